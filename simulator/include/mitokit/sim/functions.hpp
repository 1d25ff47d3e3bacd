// Native functions a Node runs for CALL_FUNCTION, registered by the names a
// Python caller would use (module, optional class, function). A function may
// finish at once or later (e.g. after an ID allocation round trip); the node's
// dispatcher runs one call at a time, like the reference's main thread.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/small.hpp"
#include "mitokit/pickle/value.hpp"

namespace mitokit::sim {

class Node;

// "local.<id>": the name a child spawned with none gets (its stream's and its
// Context's), written into `buf` (room for "local." and a 32-bit ID).
inline constexpr std::size_t DEFAULT_NAME_BUF = 16;
inline std::string_view default_name(std::uint32_t id, char (&buf)[DEFAULT_NAME_BUF]) noexcept {
    std::memcpy(buf, "local.", 6);
    return {buf, static_cast<std::size_t>(std::to_chars(buf + 6, buf + DEFAULT_NAME_BUF, id).ptr - buf)};
}

// The most IDs one mitokit.sim.allocate_ids call hands out (its reply lists them all).
inline constexpr std::int64_t MAX_IDS_PER_CALL = 100000;
// The most records one mitokit.sim.log call sends (each is a FORWARD_LOG message, queued at once).
inline constexpr std::int64_t MAX_LOGS_PER_CALL = 100000;

// A call's outcome: a value or an exception, as "module.Class: text". Read the
// value through value(): integer() and none() leave `doc` empty.
struct CallResult {
    pickle::Document doc;
    pickle::NodeId root = pickle::NO_NODE;
    std::optional<std::string> error;
    // None or an int travels without a Document (a million getpid replies would
    // each allocate one); value() gives it one when it is needed. So does
    // _proxy_connect's {'id': int_value, 'name': doc[root], 'msg': None}, one per
    // context in a tree (the name in `doc` keeps every other result as small as it was).
    enum class Scalar : std::uint8_t { no, none, integer, connected };
    Scalar scalar = Scalar::no;
    std::int64_t int_value = 0;

    static CallResult none() {
        CallResult r;
        r.scalar = Scalar::none;
        return r;
    }
    static CallResult integer(std::int64_t v) {
        CallResult r;
        r.scalar = Scalar::integer;
        r.int_value = v;
        return r;
    }
    static CallResult connected(std::int64_t id, std::string_view name) {
        CallResult r;
        r.scalar = Scalar::connected;
        r.int_value = id;
        r.root = r.doc.str(name);
        return r;
    }
    // connected(id, "local.<id>"), the name of a child spawned with none (nearly
    // every one), kept as the ID alone: `doc` stays empty.
    static CallResult connected_default(std::uint32_t id) {
        CallResult r;
        r.scalar = Scalar::connected;
        r.int_value = id;
        return r;
    }
    // The result as a value: in `doc`, or for a scalar in `scratch` (cleared first).
    std::pair<const pickle::Document*, pickle::NodeId> value(pickle::Document& scratch) const {
        if (scalar == Scalar::no) return {&doc, root};
        scratch.clear();
        if (scalar == Scalar::connected) {
            char buf[DEFAULT_NAME_BUF];
            auto& d = scratch;
            d.reserve(7); // the dict and its six items, without regrowing
            return {&d, d.seq(pickle::Kind::dict, {d.str("id"), d.integer(int_value), d.str("name"),
                                                   d.str(connected_name(buf)), d.str("msg"), d.none()})};
        }
        return {&scratch, scalar == Scalar::none ? scratch.none() : scratch.integer(int_value)};
    }
    // The value's pickle appended to `out`, the bytes pickle::encode writes for
    // value(), without a Document (libproto's writers of these few shapes): for
    // None, an int32, and a connected reply with an ASCII name; false, with `out`
    // unchanged, for any other result.
    bool scalar_pickle(std::vector<std::uint8_t>& out) const {
        if (error) return false;
        if (scalar == Scalar::connected) {
            char buf[DEFAULT_NAME_BUF];
            return payload::build_connect_reply(int_value, connected_name(buf), out);
        }
        std::uint8_t small[pickle::small::MAX_SCALAR];
        const std::size_t n = small_pickle(small);
        out.insert(out.end(), small, small + n);
        return n != 0;
    }
    // The same for None and an int32 only, written at p[0..) (MAX_SCALAR bytes):
    // its length, or 0 for any other result. A getpid reply needs no vector.
    std::size_t small_pickle(std::uint8_t* p) const noexcept {
        if (error) return 0;
        if (scalar == Scalar::none) return pickle::small::write_none_pickle(p);
        if (scalar == Scalar::integer) return pickle::small::write_int32_pickle(p, int_value);
        return 0;
    }
    // A connected result's name: the one in `doc`, or the default written into `buf`.
    std::string_view connected_name(char (&buf)[DEFAULT_NAME_BUF]) const {
        if (root != pickle::NO_NODE) return doc[root].s;
        return default_name(static_cast<std::uint32_t>(int_value), buf);
    }
    // type like "builtins.ValueError"; the text is what CallError(e) carries.
    static CallResult raise(std::string_view type, std::string_view message) {
        return failed(std::string(type) + ": " + std::string(message));
    }
    // An exception already worded as CallError(e) carries it ("module.Class: text").
    static CallResult failed(std::string text) {
        CallResult r;
        r.error = std::move(text);
        return r;
    }
};

// Where a native's answer goes: a plain function and the context it is handed,
// two words with no heap and nothing to destroy, however many steps a slow native
// keeps a copy through. The Dispatcher's finishes the node's running call (once;
// a later answer is ignored, as is one after the process ended); a test or tool
// that runs a native on its own passes its own.
class CallDone {
public:
    using Sink = void (*)(void* context, const CallResult& r);
    CallDone(Sink sink, void* context) noexcept : sink_(sink), context_(context) {}
    explicit CallDone(Node& n) noexcept : sink_(&finish_running_call), context_(&n) {}
    void operator()(const CallResult& r) const { sink_(context_, r); }

private:
    static void finish_running_call(void* node, const CallResult& r); // node_calls.cpp (the Dispatcher's)
    Sink sink_;
    void* context_;
};
// A native is a plain function: every one registered so far captures nothing,
// and a call through a pointer makes no closure.
using NativeFn = void (*)(Node&, const payload::CallFunction&, CallDone);

class FunctionRegistry {
public:
    void add(std::string module, std::optional<std::string> klass, std::string function, NativeFn fn);
    const NativeFn* find(std::string_view module, const std::optional<std::string>& klass,
                         std::string_view function) const;
    // Is anything registered under this module name / this class of it?
    bool has_module(std::string_view module) const;
    bool has_class(std::string_view module, std::string_view klass) const;
    // @takes_econtext / @takes_router: the Dispatcher calls kwargs.setdefault() on
    // the call's kwargs before the call (an error path when they are no mapping).
    void mark_takes_context(std::string_view module, const std::optional<std::string>& klass,
                            std::string_view function);
    bool takes_context(std::string_view module, const std::optional<std::string>& klass,
                       std::string_view function) const;
    // Modules every child has without importing (posix, mitogen.core, mitokit.sim).
    void add_builtin_module(std::string module) { builtin_.emplace(std::move(module), 1); }
    bool is_builtin_module(std::string_view module) const { return builtin_.count(module) != 0; }

    // posix.getpid (the context ID stands in for the PID), mitogen.core
    // Dispatcher.forget_chain, mitogen.parent._proxy_connect, and the simulator's
    // own mitokit.sim.{sleep,fail,log,import_modules,allocate_id}.
    static FunctionRegistry standard();

private:
    static std::string key(std::string_view m, const std::optional<std::string>& k, std::string_view f);
    std::map<std::string, NativeFn, std::less<>> fns_;
    std::map<std::string, int, std::less<>> modules_;
    std::map<std::string, int, std::less<>> classes_; // "module\0class"
    std::map<std::string, int, std::less<>> builtin_;
    std::map<std::string, int, std::less<>> takes_context_;
};

} // namespace mitokit::sim
