// Native functions a Node runs for CALL_FUNCTION, registered by the names a
// Python caller would use (module, optional class, function). A function may
// finish at once or later (e.g. after an ID allocation round trip); the node's
// dispatcher runs one call at a time, like the reference's main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/value.hpp"

namespace mitokit::sim {

class Node;

// The most IDs one mitokit.sim.allocate_ids call hands out (its reply lists them all).
inline constexpr std::int64_t MAX_IDS_PER_CALL = 100000;

// A call's outcome: a value or an exception, as "module.Class: text". Read the
// value through value(): integer() and none() leave `doc` empty.
struct CallResult {
    pickle::Document doc;
    pickle::NodeId root = pickle::NO_NODE;
    std::optional<std::string> error;
    // None or an int travels without a Document (a million getpid replies would
    // each allocate one); value() gives it one when it is needed.
    enum class Scalar : std::uint8_t { no, none, integer };
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
    // The result as a value: in `doc`, or for a scalar in `scratch` (cleared first).
    std::pair<const pickle::Document*, pickle::NodeId> value(pickle::Document& scratch) const {
        if (scalar == Scalar::no) return {&doc, root};
        scratch.clear();
        return {&scratch, scalar == Scalar::none ? scratch.none() : scratch.integer(int_value)};
    }
    // A None or int32 scalar's pickle appended to `out`, the bytes pickle::encode
    // writes for it (PROTO 2, NONE or BININT1/BININT2/BININT, STOP), without a
    // Document; false, with `out` unchanged, for any other result.
    bool scalar_pickle(std::vector<std::uint8_t>& out) const {
        if (error) return false;
        if (scalar == Scalar::none) {
            out.insert(out.end(), {0x80, 2, 'N', '.'});
            return true;
        }
        if (scalar != Scalar::integer || int_value < INT32_MIN || int_value > INT32_MAX) return false;
        const auto u = static_cast<std::uint32_t>(int_value);
        const auto b = [u](int k) { return static_cast<std::uint8_t>(u >> (8 * k)); };
        if (int_value >= 0 && int_value < 256) out.insert(out.end(), {0x80, 2, 'K', b(0), '.'});
        else if (int_value >= 0 && int_value < 65536) out.insert(out.end(), {0x80, 2, 'M', b(0), b(1), '.'});
        else out.insert(out.end(), {0x80, 2, 'J', b(0), b(1), b(2), b(3), '.'});
        return true;
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

using CallDone = std::function<void(CallResult)>;
using NativeFn = std::function<void(Node&, const payload::CallFunction&, CallDone)>;

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
