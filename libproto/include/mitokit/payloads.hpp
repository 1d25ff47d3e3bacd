// Typed payloads of the standard handles (protocol-notes §2.1): parse and build.
// Raw payloads (GET_MODULE, FORWARD_LOG, routes, FORWARD_MODULE, dead reasons) are
// text; the rest are pickles. A payload of the wrong shape is Errc::bad_payload with
// a message naming the handle and what is wrong, e.g.
// "LOAD_MODULE: field 2 (path) must be str or None, got int".
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
struct Route { std::uint32_t id = 0; std::optional<std::string> name; };       // 103/104 "id[:name]"
struct ForwardModule { std::uint32_t target = 0; std::string fullname; };       // 108 "id\0name"
struct Dead { std::string reason; };                                           // reply_to == 999

// 101: (chain_id, modname, klass, funcname, args tuple, Kwargs)
struct CallFunction {
    pickle::Document doc;          // owns args, kwargs and chain_id
    pickle::NodeId chain_id = pickle::NO_NODE; // None, or str (bytes from Python 2)
    std::string module;
    std::optional<std::string> klass;
    std::string function;
    pickle::NodeId args = pickle::NO_NODE;   // a tuple
    pickle::NodeId kwargs = pickle::NO_NODE; // Kwargs (or dict)
};

// 107: (fullname, pkg_present list|None, path|None, Blob(zlib)|bytes|None, related list|tuple)
struct LoadModule {
    std::string fullname;
    std::optional<std::vector<std::string>> pkg_present;
    std::optional<std::string> path;
    std::optional<std::string> compressed; // zlib bytes as sent
    std::vector<std::string> related;
    bool is_negative() const noexcept { return !path && !compressed; }
};

// 105 reply: (start, end), end exclusive.
struct AllocateIdReply { std::int64_t start = 0; std::int64_t end = 0; };

// 110: (service_name, method_name, Kwargs)
struct CallService {
    pickle::Document doc;
    std::string service;
    std::string method;
    pickle::NodeId kwargs = pickle::NO_NODE;
};

Result<GetModule> parse_get_module(Bytes data);
Result<ForwardLog> parse_forward_log(Bytes data);
Result<Route> parse_route(std::uint32_t handle, Bytes data); // ADD_ROUTE or DEL_ROUTE
Result<ForwardModule> parse_forward_module(Bytes data);
Result<Dead> parse_dead(Bytes data);
Result<CallFunction> parse_call_function(Bytes data, const pickle::DecodeOptions& opt = {});
Result<LoadModule> parse_load_module(Bytes data, const pickle::DecodeOptions& opt = {});
Result<AllocateIdReply> parse_allocate_id_reply(Bytes data);
Result<CallService> parse_call_service(Bytes data, const pickle::DecodeOptions& opt = {});
Status check_empty(std::uint32_t handle, Bytes data); // SHUTDOWN, DETACHING, ALLOCATE_ID request

// Builders write what the reference writes (protocol 2, memo as CPython's).
std::vector<std::uint8_t> build_get_module(std::string_view fullname);
std::vector<std::uint8_t> build_forward_log(std::string_view logger, int level, std::string_view message);
std::vector<std::uint8_t> build_route(std::uint32_t id, const std::optional<std::string>& name);
std::vector<std::uint8_t> build_forward_module(std::uint32_t target, std::string_view fullname);
std::vector<std::uint8_t> build_dead(std::string_view reason);
std::vector<std::uint8_t> build_call_function(const CallFunction& c);
std::vector<std::uint8_t> build_load_module(const LoadModule& m);
std::vector<std::uint8_t> build_allocate_id_reply(const AllocateIdReply& r);
std::vector<std::uint8_t> build_call_service(const CallService& c);

// zlib-decompress a LOAD_MODULE source, failing with Errc::decompress past max_size.
Result<std::string> inflate_source(std::string_view compressed, std::size_t max_size = 64u << 20);
// zlib level 9, as the reference compresses module sources.
std::string deflate_source(std::string_view source);

// Everything a frame's payload can be, for tools that show any message.
struct Pickled { pickle::Document doc; };           // replies and other pickles
struct Raw { std::vector<std::uint8_t> bytes; };    // MK payloads, unknown raw
using Typed = std::variant<GetModule, ForwardLog, Route, ForwardModule, Dead, CallFunction,
                           LoadModule, AllocateIdReply, CallService, Pickled, Raw>;

// Chooses the parser from the handle, reply_to and encoding (MJ: pickles, MK: raw;
// MI: by handle, as 0.3.3 does). Reply handles (>= 1000) are pickles unless dead.
Result<Typed> parse_any(const Header& h, Bytes data, const pickle::DecodeOptions& opt = {});

} // namespace mitokit::payload
