// Native functions a Node runs for CALL_FUNCTION, registered by the names a
// Python caller would use (module, optional class, function). A function may
// finish at once or later (e.g. after an ID allocation round trip); the node's
// dispatcher runs one call at a time, like the reference's main thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iterator>
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
    // The result as a value: in `doc`, or for a scalar in `scratch` (cleared first).
    std::pair<const pickle::Document*, pickle::NodeId> value(pickle::Document& scratch) const {
        if (scalar == Scalar::no) return {&doc, root};
        scratch.clear();
        if (scalar == Scalar::connected) {
            auto& d = scratch;
            d.reserve(7); // the dict and its six items, without regrowing
            return {&d, d.seq(pickle::Kind::dict, {d.str("id"), d.integer(int_value), d.str("name"),
                                                   d.str(doc[root].s), d.str("msg"), d.none()})};
        }
        return {&scratch, scalar == Scalar::none ? scratch.none() : scratch.integer(int_value)};
    }
    // The value's pickle appended to `out`, the bytes pickle::encode writes for
    // value(), without a Document: for None, an int32, and a connected reply with
    // an ASCII name; false, with `out` unchanged, for any other result. Written
    // through a pointer into one resize: a reply's few dozen bytes cost less than
    // an insert() each.
    bool scalar_pickle(std::vector<std::uint8_t>& out) const {
        if (error || scalar == Scalar::no) return false;
        if (scalar == Scalar::none) {
            put(out, 4, {0x80, 2, 'N', '.'});
            return true;
        }
        if (int_value < INT32_MIN || int_value > INT32_MAX) return false;
        const std::size_t int_len = int_value >= 0 && int_value < 256 ? 2 : int_value >= 0 && int_value < 65536 ? 3 : 5;
        if (scalar == Scalar::integer) {
            std::uint8_t* p = put(out, 3 + int_len, {0x80, 2});
            put_int(p, int_len);
            p[int_len] = '.';
            return true;
        }
        const std::string& text = doc[root].s;
        // Non-ASCII text is left to the encoder, which knows its rules for it.
        for (char c : text)
            if (static_cast<unsigned char>(c) >= 0x80) return false;
        // EMPTY_DICT, BINPUT 0, MARK, then 'id' (BINUNICODE, BINPUT 1), the int,
        // 'name' (put 2), the name (put 3), 'msg' (put 4), None; SETITEMS.
        static constexpr std::uint8_t head[] = {0x80, 2, '}', 'q', 0, '(', 'X', 2, 0, 0, 0, 'i', 'd', 'q', 1};
        static constexpr std::uint8_t name_key[] = {'X', 4, 0, 0, 0, 'n', 'a', 'm', 'e', 'q', 2, 'X'};
        static constexpr std::uint8_t tail[] = {'q', 3, 'X', 3, 0, 0, 0, 'm', 's', 'g', 'q', 4, 'N', 'u', '.'};
        const std::size_t at = out.size();
        out.resize(at + sizeof head + int_len + sizeof name_key + 4 + text.size() + sizeof tail);
        std::uint8_t* p = out.data() + at;
        p = std::copy(std::begin(head), std::end(head), p);
        put_int(p, int_len);
        p = std::copy(std::begin(name_key), std::end(name_key), p + int_len);
        const auto n = static_cast<std::uint32_t>(text.size());
        for (int k = 0; k < 4; ++k) *p++ = static_cast<std::uint8_t>(n >> (8 * k));
        p = std::copy(text.begin(), text.end(), p);
        std::copy(std::begin(tail), std::end(tail), p);
        return true;
    }
    // `prefix` then room for `size` bytes in all at the end of `out`; where the room starts past it.
    static std::uint8_t* put(std::vector<std::uint8_t>& out, std::size_t size, std::initializer_list<std::uint8_t> prefix) {
        const std::size_t at = out.size();
        out.resize(at + size);
        std::copy(prefix.begin(), prefix.end(), out.data() + at);
        return out.data() + at + prefix.size();
    }
    // int_value (an int32) as the encoder writes it in `len` bytes: BININT1, BININT2 or BININT.
    void put_int(std::uint8_t* p, std::size_t len) const {
        const auto u = static_cast<std::uint32_t>(int_value);
        p[0] = len == 2 ? 'K' : len == 3 ? 'M' : 'J';
        for (std::size_t k = 1; k < len; ++k) p[k] = static_cast<std::uint8_t>(u >> (8 * (k - 1)));
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
