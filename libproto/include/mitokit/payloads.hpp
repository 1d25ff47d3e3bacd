// Typed payloads of the standard handles (protocol-notes §2.1): parse and build.
// Raw payloads (GET_MODULE, FORWARD_LOG, routes, FORWARD_MODULE, dead reasons) are
// text; the rest are pickles. A payload of the wrong shape is Errc::bad_payload with
// a message naming the handle and what is wrong, e.g.
// "LOAD_MODULE: field 2 (path) must be str or None, got int".
//
// Parsers accept what the reference's receivers accept and nothing else: text
// numbers as Python's int() reads them ("  7\n", "+7", "1_0"), a list where the
// receiver only unpacks, names that must be str as str, UTF-8 decoded strictly
// where the receiver does and with U+FFFD replacement where it does (FORWARD_LOG,
// dead reasons). A pickle error is passed on with the handle named in front.
// Builders write byte for byte what the reference writes.
//
// Pickled payloads are read by the frame's encoding (the `enc` argument, MI when
// not given). MI, as 0.3.3's Message.unpickle: the first pickle only; whatever
// follows its STOP is not read and its length is the result's trailing_bytes, for
// the caller to show (the reference drops it silently). MJ (0.3.39+): the payload
// is one or more pickles and is read to its end, so bytes that are not a pickle
// are an error; a typed handle wants exactly one ("payload holds 2 pickles, want
// 1"); trailing_bytes is then 0. MK payloads are raw and never reach these.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::payload {

using Bytes = std::span<const std::uint8_t>;

struct GetModule { std::string fullname; };                  // 100, raw UTF-8
struct ForwardLog { std::string logger; int level = 0; std::string message; }; // 102 "name\0level\0msg"
// 103/104 "id[:name]". Builders omit an empty name, as RouteMonitor does. A plain
// child's DEL_ROUTE stub accepts a name; a RouteMonitor's (master, upgraded
// parents) reads int(data) and so drops a DEL_ROUTE that carries one.
struct Route { std::uint32_t id = 0; std::optional<std::string> name; };
struct ForwardModule { std::uint32_t target = 0; std::string fullname; };       // 108 "id\0name"
struct Dead {                                                                  // reply_to == 999
    std::string reason; // UTF-8, may be empty
    // What a Receiver raises: the reason, or the reference's text for an empty one.
    std::string channel_error(bool from_self = false) const;
};

// 101: (chain_id, modname, klass, funcname, args tuple, Kwargs)
struct CallFunction {
    pickle::Document doc;          // owns args, kwargs and chain_id
    // NO_NODE in a value to build means the reference's default: None, (), Kwargs({}).
    pickle::NodeId chain_id = pickle::NO_NODE; // None, or str (bytes from Python 2); any hashable
    // klass: None, or a class name (the receiver looks one up only `if klass:`, so
    // any false value, '' or 0 too, parses as none); funcname: str. Names may be
    // Secrets, which the receiver uses as str. The receiver also takes a list for
    // the 6-tuple and for args, and a dict with str keys for kwargs.
    std::string module;
    std::optional<std::string> klass;
    std::string function;
    pickle::NodeId args = pickle::NO_NODE;   // a tuple
    pickle::NodeId kwargs = pickle::NO_NODE; // Kwargs (or dict)
    std::size_t trailing_bytes = 0;          // MI: bytes after the pickle, ignored
    // The payload this value was parsed from by parse_call_function_again() (empty:
    // none), which skips the decode for the same bytes. Whoever changes the value
    // after such a parse must clear it.
    std::vector<std::uint8_t> parsed_from;
    Encoding parsed_enc = Encoding::legacy;
};

// 107: (fullname, pkg_present list|None, path|None, Blob(zlib)|bytes|None, related list|tuple)
struct LoadModule {
    std::string fullname;
    std::optional<std::vector<std::string>> pkg_present;
    std::optional<std::string> path;
    std::optional<std::string> compressed; // zlib bytes as sent
    std::vector<std::string> related;
    // How the fields travelled; the builder honours them. A negative reply always
    // goes out as the reference's (fullname, None, None, None, ()).
    bool compressed_is_blob = true; // Blob (the reference) or plain bytes
    bool related_is_tuple = false;  // list (the reference, positive) or tuple
    std::size_t trailing_bytes = 0; // MI: bytes after the pickle, ignored; builders write none
    bool is_negative() const noexcept { return !path && !compressed; }
    static LoadModule negative(std::string fullname);
};

// 105 reply: (start, end), end exclusive.
struct AllocateIdReply {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::size_t trailing_bytes = 0; // MI: bytes after the pickle, ignored
};

// 110: (service_name, method_name, Kwargs)
// Checked as mitogen.service.Pool._validate does: a real tuple, no list.
struct CallService {
    pickle::Document doc;
    std::string service;
    std::string method;
    pickle::NodeId kwargs = pickle::NO_NODE;
    std::size_t trailing_bytes = 0; // MI: bytes after the pickle, ignored
};

Result<GetModule> parse_get_module(Bytes data);
Result<ForwardLog> parse_forward_log(Bytes data);
Result<Route> parse_route(std::uint32_t handle, Bytes data); // ADD_ROUTE or DEL_ROUTE
// The route payload RouteMonitor writes, "id" or "id:name" with an ID of 1-9
// digits and no leading zero and an ASCII name, read with no Result and no
// string: `name` points into `data`. Any other payload is nullopt, for
// parse_route to judge; where this answers, parse_route gives the same ID and name.
// A router relays every context's route past each of its ancestors.
struct RouteView { std::uint32_t id = 0; std::string_view name; bool has_name = false; };
std::optional<RouteView> read_route(Bytes data) noexcept;
Result<ForwardModule> parse_forward_module(Bytes data);
Result<Dead> parse_dead(Bytes data);
Result<CallFunction> parse_call_function(Bytes data, const pickle::DecodeOptions& opt = {},
                                         Encoding enc = Encoding::legacy);
// The same into `into`, reusing its Document's storage, so a receiver that parses
// call after call allocates nothing once warm. On error `into` holds no call.
Status parse_call_function(Bytes data, CallFunction& into, const pickle::DecodeOptions& opt = {},
                           Encoding enc = Encoding::legacy);
// The same with the default DecodeOptions, for a receiver that parses the same
// payload into one CallFunction again and again (the simulator's thousands of
// contexts receiving one broadcast call): when `data` and `enc` are those of
// `into`'s last successful parse here (into.parsed_from), `into` is left as that
// parse left it, which is what decoding again would give: the decoder and the
// checks are a function of the bytes, the encoding and the options alone.
// `reused`, when given, tells whether that was so: a caller may then keep what it
// derived from the last parse (the simulator's resolved function).
Status parse_call_function_again(Bytes data, CallFunction& into, Encoding enc = Encoding::legacy,
                                 bool* reused = nullptr);
// parent._proxy_connect's reply {'id': id, 'name': name, 'msg': None}: appended
// to `out` as pickle::encode writes it, or false (`out` unchanged) unless the ID
// is an int32 and the name ASCII. connect_reply_id reads exactly those bytes and
// gives nullopt for any other payload (the general decoder's to read).
bool build_connect_reply(std::int64_t id, std::string_view name, std::vector<std::uint8_t>& out);
std::optional<std::int64_t> connect_reply_id(Bytes data);
Result<LoadModule> parse_load_module(Bytes data, const pickle::DecodeOptions& opt = {}, Encoding enc = Encoding::legacy);
Result<AllocateIdReply> parse_allocate_id_reply(Bytes data, Encoding enc = Encoding::legacy);
Result<CallService> parse_call_service(Bytes data, const pickle::DecodeOptions& opt = {}, Encoding enc = Encoding::legacy);
Status check_empty(std::uint32_t handle, Bytes data); // SHUTDOWN, DETACHING, ALLOCATE_ID request

// Builders write what the reference writes (protocol 2, memo as CPython's). The
// pickle builders return an empty vector only if a Document value cannot be
// pickled (a pickle is never empty).
std::vector<std::uint8_t> build_get_module(std::string_view fullname);
std::vector<std::uint8_t> build_forward_log(std::string_view logger, int level, std::string_view message);
std::vector<std::uint8_t> build_route(std::uint32_t id, const std::optional<std::string>& name);
// The same into `out` (replacing what it held), so a router relaying routes reuses one buffer.
void build_route(std::uint32_t id, const std::optional<std::string>& name, std::vector<std::uint8_t>& out);
// The same with the name as a view: an empty one is omitted, as a missing one is.
void write_route(std::uint32_t id, std::string_view name, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> build_forward_module(std::uint32_t target, std::string_view fullname);
std::vector<std::uint8_t> build_dead(std::string_view reason);
std::vector<std::uint8_t> build_call_function(const CallFunction& c);
std::vector<std::uint8_t> build_load_module(const LoadModule& m);
std::vector<std::uint8_t> build_allocate_id_reply(const AllocateIdReply& r);
std::vector<std::uint8_t> build_call_service(const CallService& c);

// A dead reply to `request` (reply_to = 999, data = UTF-8 reason), sent from my_id,
// as Router._maybe_send_dead does: dst = request.src, handle = request.reply_to.
Header dead_reply_header(const Header& request, std::uint32_t my_id, std::uint32_t reason_length);

// The reasons the reference's router puts in dead messages (core.py), for callers
// that must send the same text.
namespace reason {
inline constexpr std::string_view invalid_handle = "invalid handle";
inline constexpr std::string_view refused_by_policy = "refused by policy";
inline constexpr std::string_view unexpected_context = "reply from unexpected context";
inline constexpr std::string_view respondent_disconnected = "the respondent Context has disconnected";
inline constexpr std::string_view broker_exited = "Broker has exitted"; // sic
std::string no_route(std::int64_t dst, std::int64_t me);           // "no route to 7, my ID is 0"
std::string too_large(std::uint64_t max);                          // "message too large (max N bytes)"
std::string unidirectional(std::int64_t src, std::int64_t dst, std::int64_t via);
} // namespace reason

// zlib-decompress a LOAD_MODULE source, failing with Errc::decompress past max_size.
// Like zlib.decompress, bytes after the end of the zlib stream are ignored.
Result<std::string> inflate_source(std::string_view compressed, std::size_t max_size = 64u << 20);
// zlib level 9, as the reference compresses module sources.
std::string deflate_source(std::string_view source);

// Everything a frame's payload can be, for tools that show any message.
struct Pickled {                                    // replies and other pickles
    pickle::Document doc;         // MI: the first pickle; MJ: every pickle, one root each
    std::size_t trailing_bytes = 0; // MI: bytes after the first pickle, ignored
};
struct Raw { std::vector<std::uint8_t> bytes; };    // MK payloads, unknown raw
using Typed = std::variant<GetModule, ForwardLog, Route, ForwardModule, Dead, CallFunction,
                           LoadModule, AllocateIdReply, CallService, Pickled, Raw>;

// Chooses the parser from the handle, reply_to and encoding (MJ: pickles, MK: raw;
// MI: by handle, as 0.3.3 does). Reply handles (>= 1000) are pickles unless dead.
Result<Typed> parse_any(const Header& h, Bytes data, const pickle::DecodeOptions& opt = {});

// The bytes a pickled payload carried after its (first) pickle, which the reference
// ignored; 0 for raw payloads and MJ.
std::size_t trailing_bytes(const Typed& t) noexcept;

// A pickled payload's pickles into `doc`, read as the frame's encoding says (see
// the top of this file): MI the first pickle only, MJ every pickle to the end.
// The result is the number of bytes after an MI payload's pickle (0 for MJ).
// Inline: a call around the decoder costs as much as a small reply's opcodes.
inline Result<std::size_t> decode_pickles(Bytes data, pickle::Document& doc, Encoding enc,
                                          const pickle::DecodeOptions& opt = {}) {
    if (enc == Encoding::pickle) {
        if (auto st = pickle::decode(data, doc, opt); !st) return std::move(st).error();
        return std::size_t{0};
    }
    auto used = pickle::decode_first(data, doc, opt);
    if (!used) return std::move(used).error();
    return data.size() - *used;
}

} // namespace mitokit::payload
