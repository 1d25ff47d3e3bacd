#include "python_dispatch.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "mitokit/pickle/decoder.hpp"

namespace mitokit::sim::pydispatch {

using pickle::Kind;
using pickle::NodeId;

// Only error paths come here. 0.3.3's Dispatcher unpickles the payload and unpacks
// and uses it in Python, so a malformed call is answered with the Python exception
// that raises first; the texts below are CPython 3.11's (checked against the
// reference by simulator/tests/dispatch_errors_test.cpp).

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A decoder message split into CPython's text and the opcode named in its
// " (OPCODE at offset N)" suffix (empty when there is none).
struct DecoderText {
    std::string_view text;
    std::string_view opcode;
};

DecoderText split_where(std::string_view m) {
    const auto open = m.rfind(" (");
    if (m.empty() || m.back() != ')' || open == std::string_view::npos) return {m, {}};
    const std::string_view inner = m.substr(open + 2, m.size() - open - 3);
    const auto at = inner.find(" at offset ");
    if (at == std::string_view::npos) return {m, {}};
    const std::string_view name = inner.substr(0, at), digits = inner.substr(at + 11);
    const auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; };
    const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), digit)) return {m, {}};
    if (name != "opcode" && (name.empty() || !std::all_of(name.begin(), name.end(), upper))) return {m, {}};
    return {m.substr(0, open), name};
}

} // namespace

// The exception Message.unpickle raises where the decoder refused the payload, as
// CallError(e) words it; nullopt for a refusal with no Python counterpart (one of
// mitokit's own limits, a value it does not model).
std::optional<std::string> unpickle_exception(const Error& e) {
    const std::string_view m = e.message;
    // The file-like Unpickler reads past the end only at an opcode: EOFError.
    if (e.code == Errc::truncated &&
        (starts_with(m, "Ran out of input") || starts_with(m, "pickle data was truncated: no STOP")))
        return std::string("builtins.EOFError: Ran out of input");
    const auto [text, opcode] = split_where(m);
    const std::string t(text);
    if (e.code == Errc::refused_global && starts_with(text, "cannot unpickle '"))
        return "mitogen.core.StreamError: " + t; // _find_global raises StreamError itself
    if (e.code == Errc::unsupported || (e.code == Errc::limit && !starts_with(text, "Exceeds the limit")))
        return std::nullopt;
    static constexpr std::array<std::string_view, 19> unpickling_errors = {
        "pickle data was truncated", "pickle exhausted before seeing STOP", "LONG pickle has negative byte count",
        "unpickling stack underflow", "unexpected MARK found", "could not find MARK", "Memo value not found at index",
        "A load persistent id instruction", "the STRING opcode argument must be quoted", "STACK_GLOBAL requires str",
        "NEWOBJ class argument", "NEWOBJ args argument", "NEWOBJ_EX class argument", "NEWOBJ_EX args argument",
        "NEWOBJ_EX kwargs argument", "odd number of items for", "pickle stream refers to out-of-band data",
        "EXT specifies code <= 0", "invalid load key"};
    for (const auto p : unpickling_errors)
        if (starts_with(text, p)) return "_pickle.UnpicklingError: " + t;
    if (text == "state is not a dictionary" || text == "slot state is not a dictionary")
        return "_pickle.UnpicklingError: " + t;
    if (text.find("' object has no attribute '") != std::string_view::npos) return "builtins.AttributeError: " + t;
    const bool setitem = opcode == "SETITEM" || opcode == "SETITEMS";
    if (text == "list assignment index out of range" || text == "bytearray index out of range" ||
        (setitem && starts_with(text, "cannot fit 'int'")))
        return "builtins.IndexError: " + t;
    if (starts_with(text, "cannot fit 'int'") || starts_with(text, "value too large to convert to float") ||
        text.find("exceeds system's maximum size") != std::string_view::npos)
        return "builtins.OverflowError: " + t;
    if (starts_with(text, "unknown error handler name")) return "builtins.LookupError: " + t;
    // TypeError and ValueError (UnicodeError among them): Message.unpickle wraps these.
    return "mitogen.core.StreamError: invalid message: " + t;
}

const char* type_of(const pickle::Document& doc, NodeId id) {
    return pickle::python_type_name(doc[id].kind, doc[id].i);
}

bool is_text(const pickle::Node& n) { return n.kind == Kind::str || n.kind == Kind::secret; }
bool is_mapping(const pickle::Node& n) { return n.kind == Kind::dict || n.kind == Kind::kwargs; }

namespace {

bool truthy(const pickle::Node& n) {
    switch (n.kind) {
    case Kind::none: return false;
    case Kind::boolean: return n.flag;
    case Kind::integer: return n.i != 0;
    case Kind::floating: return n.f != 0.0;
    case Kind::str: case Kind::bytes: case Kind::blob: case Kind::secret: case Kind::bytearray: case Kind::memoryview:
        return !n.s.empty();
    case Kind::tuple: case Kind::list: case Kind::dict: case Kind::kwargs: case Kind::set: case Kind::frozenset:
        return !n.items.empty();
    default: return true;
    }
}

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// How many values iterating gives; nullopt for a value that is not iterable.
std::optional<std::size_t> iter_len(const pickle::Node& n) {
    switch (n.kind) {
    case Kind::str: case Kind::secret: return code_points(n.s);
    case Kind::bytes: case Kind::blob: case Kind::bytearray: case Kind::memoryview: return n.s.size();
    case Kind::tuple: case Kind::list: case Kind::set: case Kind::frozenset: return n.items.size();
    case Kind::dict: case Kind::kwargs: return n.items.size() / 2;
    default: return std::nullopt;
    }
}

// The values iterating gives, made in `doc` where they are not nodes already (the
// characters of a str, the ints of a bytes); nullopt where CPython's order is a
// hash order (a set of several items), which is not modelled.
std::optional<std::vector<NodeId>> iterate(pickle::Document& doc, NodeId id) {
    const Kind k = doc[id].kind;
    std::vector<NodeId> out;
    switch (k) {
    case Kind::tuple: case Kind::list: return doc[id].items;
    case Kind::set: case Kind::frozenset:
        if (doc[id].items.size() > 1) return std::nullopt;
        return doc[id].items;
    case Kind::dict: case Kind::kwargs:
        for (std::size_t i = 0; i < doc[id].items.size(); i += 2) out.push_back(doc[id].items[i]);
        return out;
    case Kind::str: case Kind::secret: {
        const std::string s = doc[id].s; // doc grows below
        for (std::size_t i = 0; i < s.size();) {
            std::size_t j = i + 1;
            while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xc0) == 0x80) ++j;
            out.push_back(doc.str(std::string_view(s).substr(i, j - i)));
            i = j;
        }
        return out;
    }
    case Kind::bytes: case Kind::blob: case Kind::bytearray: case Kind::memoryview: {
        const std::string s = doc[id].s;
        for (const char c : s) out.push_back(doc.integer(static_cast<unsigned char>(c)));
        return out;
    }
    default: return std::nullopt;
    }
}

bool hashable(const pickle::Document& doc, NodeId id, std::size_t depth = 0) {
    const pickle::Node& n = doc[id];
    switch (n.kind) {
    case Kind::list: case Kind::dict: case Kind::kwargs: case Kind::set: case Kind::bytearray: return false;
    case Kind::tuple:
        if (depth > 1000) return false;
        return std::all_of(n.items.begin(), n.items.end(), [&](NodeId c) { return hashable(doc, c, depth + 1); });
    default: return true;
    }
}

// `chain_id, modname, klass, func, args, kwargs = data`, then import_module's own
// check of modname. On `go`, `call` holds what the import and lookup need and
// `six` the unpacked values.
PyStep unpack_call(payload::CallFunction& call, NodeId root, NodeId& six) {
    pickle::Document& doc = call.doc;
    const auto n = iter_len(doc[root]);
    if (!n) return PyStep::fail("builtins.TypeError", std::string("cannot unpack non-iterable ") + type_of(doc, root) + " object");
    if (*n < 6)
        return PyStep::fail("builtins.ValueError", "not enough values to unpack (expected 6, got " + std::to_string(*n) + ")");
    if (*n > 6) return PyStep::fail("builtins.ValueError", "too many values to unpack (expected 6)");
    auto items = iterate(doc, root);
    if (!items) return {PyStep::unmodelled, {}};
    six = doc[root].kind == Kind::tuple || doc[root].kind == Kind::list ? root : doc.seq(Kind::tuple, *items);
    const auto& v = *items;
    // An unhashable chain_id fails the Dispatcher's own `in` test, outside its try.
    if (!hashable(doc, v[0])) return {PyStep::unmodelled, {}};
    if (!is_text(doc[v[1]])) return PyStep::fail("builtins.TypeError", "module name must be a string");
    call.chain_id = v[0];
    call.module = doc[v[1]].s;
    if (truthy(doc[v[2]]) && is_text(doc[v[2]])) call.klass.emplace(doc[v[2]].s);
    else call.klass.reset();
    call.function = is_text(doc[v[3]]) ? doc[v[3]].s : std::string();
    call.args = v[4];
    call.kwargs = v[5];
    return {};
}

} // namespace

// A module or class attribute that is there but is no function: getattr finds it
// and the call fails. Only values every module or class has are modelled; the
// result is the value's str() (for the call's own messages), and its type.

std::optional<NotCallable> plain_attribute(const payload::CallFunction& call, bool has_class) {
    const std::string& f = call.function;
    if (!call.klass) {
        if (f == "__name__") return NotCallable{call.module, "str"};
        return std::nullopt;
    }
    if (!has_class) return std::nullopt;
    if (f == "__name__" || f == "__qualname__") return NotCallable{*call.klass, "str"};
    if (f == "__module__") return NotCallable{call.module, "str"};
    return std::nullopt;
}

// `fn(*args, **kwargs)` where the payload did not hold a tuple and a mapping of str
// keys: CPython's checks, in its order (the ** mapping, the * iterable, then the
// callee: not callable, keyword names). On `go`, call.args is a tuple or list.
PyStep check_call_arguments(payload::CallFunction& call, const std::string& callee,
                            const std::optional<NotCallable>& not_callable) {
    pickle::Document& doc = call.doc;
    if (!is_mapping(doc[call.kwargs]))
        return PyStep::fail("builtins.TypeError", callee + " argument after ** must be a mapping, not " +
                                                      type_of(doc, call.kwargs));
    if (!iter_len(doc[call.args]))
        return PyStep::fail("builtins.TypeError", callee + " argument after * must be an iterable, not " +
                                                      type_of(doc, call.args));
    if (not_callable) return PyStep::fail("builtins.TypeError", std::string("'") + not_callable->type + "' object is not callable");
    const Kind kk = doc[call.kwargs].kind;
    const auto& kw = doc[call.kwargs].items;
    for (std::size_t i = 0; i < kw.size(); i += 2) {
        const Kind k = doc[kw[i]].kind;
        // Kwargs made bytes keys str on Python 3; a plain dict did not.
        if (!(k == Kind::str || k == Kind::secret || (k == Kind::bytes && kk == Kind::kwargs)))
            return PyStep::fail("builtins.TypeError", "keywords must be strings");
    }
    const Kind ak = doc[call.args].kind;
    if (ak != Kind::tuple && ak != Kind::list) {
        auto items = iterate(doc, call.args);
        if (!items) return {PyStep::unmodelled, {}};
        call.args = doc.seq(Kind::tuple, std::move(*items));
    }
    return {};
}

// The function's name as CPython's call errors give it ("module.Class.func").
std::string qualname(const payload::CallFunction& call) {
    std::string q = call.module + ".";
    if (call.klass) q += *call.klass + ".";
    return q + call.function;
}

// getattr(module, klass) and getattr(obj, func) on names that are not str; a
// missing class (has_class false) fails before func is looked at.
std::optional<std::string> getattr_names(const payload::CallFunction& call, NodeId six, bool has_class) {
    const pickle::Document& doc = call.doc;
    const NodeId klass = doc[six].items[2], func = doc[six].items[3];
    const auto bad_name = [&](NodeId id) {
        return std::optional<std::string>(std::string("builtins.TypeError: attribute name must be string, not '") +
                                          type_of(doc, id) + "'");
    };
    if (truthy(doc[klass]) && !is_text(doc[klass])) return bad_name(klass);
    if (!is_text(doc[func]) && (!call.klass || has_class)) return bad_name(func);
    return std::nullopt;
}

// Message.unpickle, then unpack_call, on a payload the typed parser refused. On
// `go`, pc.call holds the call as Python would use it and pc.unpacked its values.
PyStep unpack_as_python(std::span<const std::uint8_t> data, ParsedCall& pc) {
    payload::CallFunction& call = pc.call;
    call.chain_id = call.args = call.kwargs = pickle::NO_NODE;
    call.klass.reset();
    call.parsed_from.clear(); // no longer the typed parse of any payload
    auto used = pickle::decode_first(data, call.doc);
    if (!used) {
        auto ex = unpickle_exception(used.error());
        return ex ? PyStep{PyStep::raise, std::move(*ex)} : PyStep{PyStep::unmodelled, {}};
    }
    NodeId six = pickle::NO_NODE;
    PyStep step = unpack_call(call, call.doc.root(), six);
    if (step.what == PyStep::go) pc.unpacked = six;
    return step;
}

} // namespace mitokit::sim::pydispatch
