#include "callables.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "codecs.hpp"
#include "pynumber.hpp"
#include "pyrepr.hpp"
#include "text.hpp"

namespace mitokit::pickle::detail {
namespace {

Error type_error(std::string msg) { return make_error(Errc::bad_argument, std::move(msg)); }
Error unsupported(std::string msg) { return make_error(Errc::unsupported, "mitokit does not model " + std::move(msg)); }

const char* tname(const Document& doc, NodeId id) { return python_type_name(doc[id].kind, doc[id].i); }

bool int_like(const Node& n) { return n.kind == Kind::boolean || n.kind == Kind::integer; }
std::int64_t int_of(const Node& n) { return n.kind == Kind::boolean ? (n.flag ? 1 : 0) : n.i; }
bool text_like(const Node& n) { return n.kind == Kind::str || n.kind == Kind::secret; }
bool bytes_like(const Node& n) {
    return n.kind == Kind::bytes || n.kind == Kind::blob || n.kind == Kind::bytearray || n.kind == Kind::memoryview;
}

std::string hex_cp(std::uint32_t cp) {
    char buf[16];
    if (cp <= 0xff) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
    else if (cp <= 0xffff) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
    return buf;
}

void repr_quoted(std::string_view s, bool is_bytes, std::string& out) {
    const bool sq = s.find('\'') != std::string_view::npos, dq = s.find('"') != std::string_view::npos;
    const char q = sq && !dq ? '"' : '\'';
    if (is_bytes) out.push_back('b');
    out.push_back(q);
    for (unsigned char c : s) {
        if (c == q || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20 || c >= 0x7f) out += hex_cp(c);
        else out.push_back(static_cast<char>(c));
    }
    out.push_back(q);
}

// bytes(x) / Blob(x) with one argument.
Status bytes_from_one(CallEnv& env, NodeId arg, std::string& out) {
    const Node& n = env.doc[arg];
    if (bytes_like(n)) {
        out = n.s;
        return {};
    }
    if (text_like(n)) return type_error("string argument without an encoding");
    if (int_like(n)) {
        const std::int64_t count = int_of(n);
        if (count < 0) return type_error("negative count");
        if (static_cast<std::uint64_t>(count) > env.bytes_left)
            return make_error(Errc::limit, "bytes(" + std::to_string(count) + ") exceeds the memory limit");
        env.bytes_left -= static_cast<std::size_t>(count);
        out.assign(static_cast<std::size_t>(count), '\0');
        return {};
    }
    if (n.kind == Kind::big_integer) return type_error("cannot fit 'int' into an index-sized integer");
    if (n.kind == Kind::list || n.kind == Kind::tuple || n.kind == Kind::dict || n.kind == Kind::kwargs) {
        const std::size_t stride = (n.kind == Kind::dict || n.kind == Kind::kwargs) ? 2 : 1;
        out.clear();
        for (std::size_t k = 0; k < n.items.size(); k += stride) {
            const Node& e = env.doc[n.items[k]];
            if (!int_like(e)) {
                if (e.kind == Kind::big_integer) return type_error("bytes must be in range(0, 256)");
                return type_error(std::string("'") + tname(env.doc, n.items[k]) + "' object cannot be interpreted as an integer");
            }
            const std::int64_t v = int_of(e);
            if (v < 0 || v > 255) return type_error("bytes must be in range(0, 256)");
            out.push_back(static_cast<char>(v));
        }
        return {};
    }
    if (n.kind == Kind::set || n.kind == Kind::frozenset) {
        if (n.items.size() > 1) return unsupported("bytes() of a set of several items (its order is CPython's hash order)");
        out.clear();
        for (NodeId item : n.items) {
            const Node& e = env.doc[item];
            if (!int_like(e)) return type_error(std::string("'") + tname(env.doc, item) + "' object cannot be interpreted as an integer");
            if (int_of(e) < 0 || int_of(e) > 255) return type_error("bytes must be in range(0, 256)");
            out.push_back(static_cast<char>(int_of(e)));
        }
        return {};
    }
    return type_error(std::string("cannot convert '") + tname(env.doc, arg) + "' object to bytes");
}

Result<NodeId> make_bytes(CallEnv& env, Kind kind, std::span<const NodeId> args) {
    std::string data;
    if (args.size() == 1) {
        if (auto st = bytes_from_one(env, args[0], data); !st) return Error(std::move(st).error());
    } else if (args.size() == 2 || args.size() == 3) {
        const Node& src = env.doc[args[0]];
        if (!text_like(src)) return type_error("encoding without a string argument");
        if (!text_like(env.doc[args[1]]))
            return type_error(std::string("bytes() argument 'encoding' must be str, not ") + tname(env.doc, args[1]));
        std::string errors = "strict";
        if (args.size() == 3) {
            if (!text_like(env.doc[args[2]]))
                return type_error(std::string("bytes() argument 'errors' must be str, not ") + tname(env.doc, args[2]));
            errors = env.doc[args[2]].s;
        }
        auto enc = encode_text(src.s, env.doc[args[1]].s, errors);
        if (!enc) return Error(std::move(enc).error());
        data = std::move(*enc);
    } else if (args.size() > 3) {
        return type_error("bytes() takes at most 3 arguments (" + std::to_string(args.size()) + " given)");
    }
    return env.doc.text(kind, data);
}

// str(x) charged to the decode budget: a small pickle can share one container
// into a repr of any size. `what` names x in the limit error; `unmodelled` is the
// error where mitokit cannot write Python's text.
Status charged_str(CallEnv& env, NodeId id, std::string& out, const std::string& what, const std::string& unmodelled) {
    if (!py_str(env.doc, id, out, env.bytes_left)) {
        if (out.size() > env.bytes_left) return make_error(Errc::limit, "str() of " + what + " exceeds the memory limit");
        return unsupported(unmodelled);
    }
    env.bytes_left -= std::min(out.size(), env.bytes_left);
    return {};
}

Result<NodeId> make_secret(CallEnv& env, std::span<const NodeId> args) {
    std::string text;
    if (args.size() == 1) {
        const std::string type = tname(env.doc, args[0]);
        if (auto st = charged_str(env, args[0], text, "a " + type, "str() of a " + type + " (Secret needs Python's repr of it)"); !st)
            return std::move(st).error();
    } else if (args.size() == 2 || args.size() == 3) {
        const Node& src = env.doc[args[0]];
        if (text_like(src)) return type_error("decoding str is not supported");
        if (!bytes_like(src))
            return type_error(std::string("decoding to str: need a bytes-like object, ") + tname(env.doc, args[0]) + " found");
        if (!text_like(env.doc[args[1]]))
            return type_error(std::string("str() argument 'encoding' must be str, not ") + tname(env.doc, args[1]));
        std::string errors = "strict";
        if (args.size() == 3) {
            if (!text_like(env.doc[args[2]]))
                return type_error(std::string("str() argument 'errors' must be str, not ") + tname(env.doc, args[2]));
            errors = env.doc[args[2]].s;
        }
        auto dec = decode_bytes(src.s, env.doc[args[1]].s, errors);
        if (!dec) return Error(std::move(dec).error());
        text = std::move(*dec);
    } else if (args.size() > 3) {
        return type_error("str() takes at most 3 arguments (" + std::to_string(args.size()) + " given)");
    }
    return env.doc.text(Kind::secret, text);
}

Result<NodeId> make_kwargs(CallEnv& env, std::span<const NodeId> args) {
    if (NodeId out = NO_NODE; plain_kwargs(env.doc, args, out)) return out;
    if (args.size() != 1)
        return type_error(args.empty() ? "Kwargs.__init__() missing 1 required positional argument: 'dct'"
                                       : "Kwargs.__init__() takes 2 positional arguments but " + std::to_string(args.size() + 1) + " were given");
    const NodeId src = args[0];
    if (env.doc[src].kind != Kind::dict && env.doc[src].kind != Kind::kwargs)
        return type_error(std::string("'") + tname(env.doc, src) + "' object has no attribute 'items'");
    // plain_kwargs() took a dict without bytes keys: this one has some, which
    // Python 3's Kwargs decodes, and a decoded key may meet a str key again.
    const NodeId out = env.doc.alloc(Kind::kwargs);
    const std::size_t n = env.doc[src].items.size();
    for (std::size_t k = 0; k + 1 < n; k += 2) {
        NodeId key = env.doc[src].items[k];
        const NodeId value = env.doc[src].items[k + 1];
        if (env.doc[key].kind == Kind::bytes) { // Python 3's Kwargs decodes bytes keys
            if (std::string e = utf8_error(env.doc[key].s, false); !e.empty()) return make_error(Errc::bad_argument, e);
            const std::string text = env.doc[key].s;
            key = env.doc.str(text);
        }
        env.keys.set_item(env.doc, out, key, value);
    }
    return out;
}

Result<NodeId> make_call_error(CallEnv& env, std::span<const NodeId> args) {
    if (args.size() != 1)
        return type_error(args.empty() ? "_unpickle_call_error() missing 1 required positional argument: 's'"
                                       : "_unpickle_call_error() takes 1 positional argument but " + std::to_string(args.size()) + " were given");
    const Node& s = env.doc[args[0]];
    if (s.kind != Kind::str || utf8_length(s.s) >= 10000) return type_error("cannot unpickle CallError: bad input");
    const std::string text = s.s;
    return env.doc.call_error(text);
}

Status check_arity(std::span<const NodeId> args, const char* method, const char* a, const char* b) {
    if (args.size() == 2) return {};
    if (args.size() == 1) return type_error(std::string("Message.") + method + "() missing 1 required positional argument: '" + b + "'");
    if (args.empty())
        return type_error(std::string("Message.") + method + "() missing 2 required positional arguments: '" + a + "' and '" + b + "'");
    return type_error(std::string("Message.") + method + "() takes 3 positional arguments but " + std::to_string(args.size() + 1) + " were given");
}

Result<NodeId> make_context(CallEnv& env, std::span<const NodeId> args) {
    if (auto st = check_arity(args, "_unpickle_context", "context_id", "name"); !st) return Error(std::move(st).error());
    const Node& id = env.doc[args[0]];
    const Node& name = env.doc[args[1]];
    const bool id_ok = (int_like(id) && int_of(id) >= 0) || (id.kind == Kind::big_integer && id.s[0] != '-');
    const bool name_ok = name.kind == Kind::none || (text_like(name) && utf8_length(name.s) < 100);
    if (!id_ok || !name_ok) return type_error("cannot unpickle Context: bad input");
    if (id.kind == Kind::big_integer) return unsupported("a Context id beyond 64 bits");
    const std::int64_t cid = int_of(id);
    // Context.__init__ keeps the name only if it is truthy.
    const std::string nm = name.kind == Kind::none ? std::string() : name.s;
    return env.doc.context(cid, nm.empty() ? nullptr : &nm);
}

Result<NodeId> make_sender(CallEnv& env, std::span<const NodeId> args) {
    if (auto st = check_arity(args, "_unpickle_sender", "context_id", "dst_handle"); !st) return Error(std::move(st).error());
    const Node& id = env.doc[args[0]];
    const Node& h = env.doc[args[1]];
    const bool id_ok = (int_like(id) && int_of(id) >= 0) || (id.kind == Kind::big_integer && id.s[0] != '-');
    const bool h_ok = (int_like(h) && int_of(h) > 0) || (h.kind == Kind::big_integer && h.s[0] != '-');
    if (!id_ok || !h_ok) return type_error("cannot unpickle Sender: bad input or missing router");
    if (id.kind == Kind::big_integer || h.kind == Kind::big_integer) return unsupported("a Sender id or handle beyond 64 bits");
    return env.doc.sender(int_of(id), int_of(h));
}

Result<NodeId> make_codecs_encode(CallEnv& env, std::span<const NodeId> args) {
    if (auto st = check_arity(args, "_unpickle_bytes", "s", "encoding"); !st) return Error(std::move(st).error());
    if (!text_like(env.doc[args[0]]))
        return type_error(std::string("latin_1_encode() argument 1 must be str, not ") + tname(env.doc, args[0]));
    const NodeId out = env.doc.alloc(Kind::bytes); // convert straight into the new node
    std::size_t bad = 0;
    std::uint32_t cp = 0;
    if (!utf8_to_latin1(env.doc[args[0]].s, env.doc[out].s, bad, cp))
        return make_error(Errc::bad_argument, "'latin-1' codec can't encode character '" + hex_cp(cp) + "' in position " +
                                                  std::to_string(bad) + ": ordinal not in range(256)");
    return out;
}

} // namespace

const char* callable_name(Callable c) noexcept {
    switch (c) {
    case Callable::call_error: return "mitogen.core._unpickle_call_error";
    case Callable::context: return "mitogen.core._unpickle_context";
    case Callable::sender: return "mitogen.core._unpickle_sender";
    case Callable::blob: return "mitogen.core.Blob";
    case Callable::secret: return "mitogen.core.Secret";
    case Callable::kwargs: return "mitogen.core.Kwargs";
    case Callable::codecs_encode: return "_codecs.encode";
    case Callable::bytes: return "__builtin__.bytes";
    }
    return "?";
}

bool find_global(std::string_view module, std::string_view name, Callable& out) noexcept {
    if (module == "mitogen.core") {
        if (name == "_unpickle_call_error" || name == "CallError") out = Callable::call_error;
        else if (name == "_unpickle_sender") out = Callable::sender;
        else if (name == "_unpickle_context") out = Callable::context;
        else if (name == "Blob") out = Callable::blob;
        else if (name == "Secret") out = Callable::secret;
        else if (name == "Kwargs") out = Callable::kwargs;
        else return false;
        return true;
    }
    if (module == "_codecs" && name == "encode") {
        out = Callable::codecs_encode;
        return true;
    }
    if (module == "__builtin__" && name == "bytes") {
        out = Callable::bytes;
        return true;
    }
    return false;
}

bool plain_kwargs(Document& doc, std::span<const NodeId> args, NodeId& out) {
    if (args.size() != 1) return false;
    const NodeId src = args[0];
    if (doc[src].kind != Kind::dict && doc[src].kind != Kind::kwargs) return false;
    // The dict's keys are distinct already; only bytes keys, decoded, can meet a
    // str key again (make_kwargs does that). Without them the items carry over.
    const std::vector<NodeId>& from = doc[src].items;
    for (std::size_t k = 0; k + 1 < from.size(); k += 2)
        if (doc[from[k]].kind == Kind::bytes) return false;
    out = doc.alloc(Kind::kwargs);
    // Re-read after alloc(), which may move the nodes (not their item buffers).
    const std::vector<NodeId>& items = doc[src].items;
    std::vector<NodeId>& to = doc[out].items; // alloc() left it empty
    to.reserve(items.size());
    for (NodeId id : items) to.push_back(id);
    return true;
}

Result<NodeId> call(CallEnv& env, Callable c, std::span<const NodeId> args) {
    switch (c) {
    case Callable::call_error: return make_call_error(env, args);
    case Callable::context: return make_context(env, args);
    case Callable::sender: return make_sender(env, args);
    case Callable::blob: return make_bytes(env, Kind::blob, args);
    case Callable::bytes: return make_bytes(env, Kind::bytes, args);
    case Callable::secret: return make_secret(env, args);
    case Callable::kwargs: return make_kwargs(env, args);
    case Callable::codecs_encode: return make_codecs_encode(env, args);
    }
    return type_error("unknown callable");
}

namespace {
bool is_class(Callable c) {
    return c == Callable::blob || c == Callable::secret || c == Callable::kwargs || c == Callable::bytes;
}
} // namespace

Result<NodeId> new_object(CallEnv& env, Callable c, std::span<const NodeId> args, NodeId kwargs, const char* opname) {
    if (!is_class(c))
        return make_error(Errc::bad_value, std::string(opname) + " class argument must be a type, not " +
                                               python_type_name(Kind::global, static_cast<std::int64_t>(c)));
    if (c == Callable::kwargs) return env.doc.alloc(Kind::kwargs); // dict.__new__ ignores its arguments
    if (kwargs == NO_NODE || env.doc[kwargs].items.empty()) return call(env, c, args);
    // bytes(source, encoding, errors) / str(object, encoding, errors) by keyword.
    const bool text = c == Callable::secret;
    const char* fn = text ? "str()" : "bytes()";
    const char* names[3] = {text ? "object" : "source", "encoding", "errors"};
    if (args.size() > 3) return type_error(std::string(fn) + " takes at most 3 arguments (" + std::to_string(args.size()) + " given)");
    NodeId slots[3] = {NO_NODE, NO_NODE, NO_NODE};
    for (std::size_t k = 0; k < args.size(); ++k) slots[k] = args[k];
    const auto items = env.doc[kwargs].items;
    for (std::size_t k = 0; k + 1 < items.size(); k += 2) {
        const Node& key = env.doc[items[k]];
        if (!text_like(key)) return type_error("keywords must be strings");
        std::size_t slot = 3;
        for (std::size_t j = 0; j < 3; ++j)
            if (key.s == names[j]) slot = j;
        if (slot == 3) return type_error("'" + key.s + "' is an invalid keyword argument for " + fn);
        if (slots[slot] != NO_NODE)
            return type_error(std::string("argument for ") + fn + " given by name ('" + names[slot] + "') and position (" + std::to_string(slot + 1) + ")");
        slots[slot] = items[k + 1];
    }
    std::vector<NodeId> full;
    for (NodeId s : slots) {
        if (s == NO_NODE) break;
        full.push_back(s);
    }
    for (std::size_t j = full.size(); j < 3; ++j)
        if (slots[j] != NO_NODE) return unsupported(std::string(opname) + " keyword arguments that skip '" + names[full.size()] + "'");
    return call(env, c, full);
}

Result<NodeId> instantiate(CallEnv& env, Callable c, std::span<const NodeId> args) {
    if (args.empty() && is_class(c)) {
        switch (c) {
        case Callable::kwargs: return env.doc.alloc(Kind::kwargs);
        case Callable::blob: return env.doc.alloc(Kind::blob);
        case Callable::secret: return env.doc.alloc(Kind::secret);
        default: return env.doc.alloc(Kind::bytes);
        }
    }
    return call(env, c, args);
}

namespace {

constexpr int kMaxReprDepth = 200; // deeper (or a container holding itself): not modelled

// repr(x) appended to `out`, as CPython 3.11 and mitogen's __repr__s write it; false
// where mitokit cannot (a function's or a memoryview's address, a set of several
// items in hash order, a CallError whose args BUILD may have replaced), or past max_out.
bool append_repr(const Document& doc, NodeId id, std::string& out, std::size_t max_out, int depth) {
    if (depth > kMaxReprDepth || out.size() > max_out) return false;
    const Node& n = doc[id];
    std::string text;
    switch (n.kind) {
    case Kind::str: repr_str(n.s, out); return true;
    case Kind::secret: out += "[secret]"; return true;
    case Kind::blob: out += "[blob: " + std::to_string(n.s.size()) + " bytes]"; return true;
    case Kind::call_error: case Kind::memoryview: return false;
    case Kind::tuple: case Kind::list: case Kind::set: case Kind::frozenset: {
        if ((n.kind == Kind::set || n.kind == Kind::frozenset) && n.items.size() > 1) return false;
        if (n.kind == Kind::set && n.items.empty()) { out += "set()"; return true; }
        if (n.kind == Kind::frozenset && n.items.empty()) { out += "frozenset()"; return true; }
        if (n.kind == Kind::frozenset) out += "frozenset(";
        out += n.kind == Kind::tuple ? "(" : n.kind == Kind::list ? "[" : "{";
        for (std::size_t k = 0; k < n.items.size(); ++k) {
            if (k) out += ", ";
            if (!append_repr(doc, n.items[k], out, max_out, depth + 1)) return false;
        }
        if (n.kind == Kind::tuple && n.items.size() == 1) out += ",";
        out += n.kind == Kind::tuple ? ")" : n.kind == Kind::list ? "]" : "}";
        if (n.kind == Kind::frozenset) out += ")";
        return out.size() <= max_out;
    }
    case Kind::dict: case Kind::kwargs: {
        if (n.kind == Kind::kwargs) out += "Kwargs("; // Kwargs.__repr__
        out += "{";
        for (std::size_t k = 0; k + 1 < n.items.size(); k += 2) {
            if (k) out += ", ";
            if (!append_repr(doc, n.items[k], out, max_out, depth + 1)) return false;
            out += ": ";
            if (!append_repr(doc, n.items[k + 1], out, max_out, depth + 1)) return false;
        }
        out += "}";
        if (n.kind == Kind::kwargs) out += ")";
        return out.size() <= max_out;
    }
    default:
        // Scalars, bytes, Context, Sender and classes: repr is what str() gives.
        if (!py_str(doc, id, text)) return false;
        out += text;
        return out.size() <= max_out;
    }
}

} // namespace

bool py_str(const Document& doc, NodeId id, std::string& out, std::size_t max_out) {
    const Node& n = doc[id];
    switch (n.kind) {
    case Kind::tuple: case Kind::list: case Kind::dict: case Kind::kwargs: case Kind::set: case Kind::frozenset:
        out.clear(); // object.__str__ is repr()
        return append_repr(doc, id, out, max_out, 0);
    case Kind::none: out = "None"; return true;
    case Kind::boolean: out = n.flag ? "True" : "False"; return true;
    case Kind::integer: out = std::to_string(n.i); return true;
    case Kind::big_integer: out = n.s; return true;
    case Kind::floating: out.clear(); float_repr(n.f, out); return true;
    case Kind::str:
    case Kind::secret:
    case Kind::call_error: out = n.s; return true;
    case Kind::bytes: out.clear(); repr_quoted(n.s, true, out); return true;
    case Kind::bytearray: out = "bytearray("; repr_quoted(n.s, true, out); out += ")"; return true;
    case Kind::blob: out.clear(); repr_quoted(n.s, true, out); return true; // bytes.__str__, not Blob.__repr__
    case Kind::context:
        out = "Context(" + std::to_string(n.i) + ", ";
        if (n.flag) repr_str(n.s, out); // Context.__repr__ uses %r of the name
        else out += "None";
        out += ")";
        return true;
    case Kind::sender:
        out = "Sender(Context(" + std::to_string(n.i) + ", None), " + std::to_string(n.i2) + ")";
        return true;
    case Kind::global:
        switch (static_cast<Callable>(n.i)) {
        case Callable::blob: out = "<class 'mitogen.core.Blob'>"; return true;
        case Callable::secret: out = "<class 'mitogen.core.Secret'>"; return true;
        case Callable::kwargs: out = "<class 'mitogen.core.Kwargs'>"; return true;
        case Callable::bytes: out = "<class 'bytes'>"; return true;
        default: return false; // the text holds a memory address
        }
    default: return false; // a memoryview: its repr holds an address
    }
}

Status build(CallEnv& env, NodeId inst, NodeId state) {
    Document& doc = env.doc;
    const Kind k = doc[inst].kind;
    auto patched = [&] { return env.patched && std::find(env.patched->begin(), env.patched->end(), inst) != env.patched->end(); };
    if (patched()) return unsupported("a BUILD on an instance whose __setstate__ an earlier BUILD replaced");
    auto mark_patched = [&] {
        if (env.patched) env.patched->push_back(inst);
    };
    // setattr(inst, name, value) for the names that change more than an attribute.
    auto special_setattr = [&](const std::string& name, NodeId value) -> Status {
        if (name == "__class__") return unsupported("assigning __class__ through BUILD");
        if (name == "__dict__") {
            if (doc[value].kind != Kind::dict && doc[value].kind != Kind::kwargs)
                return type_error(std::string("__dict__ must be set to a dictionary, not a '") + tname(doc, value) + "'");
            if (k == Kind::context || k == Kind::sender) return unsupported("replacing the __dict__ of a Context or Sender");
        }
        if (name == "__setstate__") mark_patched();
        return {};
    };
    if (k == Kind::call_error) { // BaseException.__setstate__
        if (doc[state].kind == Kind::none) return {};
        if (doc[state].kind != Kind::dict && doc[state].kind != Kind::kwargs) return type_error("state is not a dictionary");
        const auto items = doc[state].items;
        for (std::size_t j = 0; j + 1 < items.size(); j += 2) {
            const Node& key = doc[items[j]];
            if (!text_like(key)) return type_error(std::string("attribute name must be string, not '") + tname(doc, items[j]) + "'");
            if (auto st = special_setattr(key.s, items[j + 1]); !st) return st;
            const Node& v = doc[items[j + 1]];
            if (key.s == "args") {
                if (v.kind != Kind::tuple && v.kind != Kind::list) return unsupported("CallError.args set to a " + std::string(tname(doc, items[j + 1])));
                std::string text;
                if (!v.items.empty()) {
                    if (auto st = charged_str(env, v.items[0], text, "CallError.args[0]",
                                              std::string("CallError.args holding a ") + tname(doc, v.items[0]));
                        !st)
                        return st;
                }
                doc[inst].s = text;
            } else if (key.s == "__traceback__" || key.s == "__cause__" || key.s == "__context__") {
                if (v.kind != Kind::none && !(key.s != "__traceback__" && v.kind == Kind::call_error))
                    return type_error(key.s + " must be set to an exception, a traceback or None");
            }
        }
        return {};
    }
    NodeId dict_state = state, slot_state = NO_NODE;
    if (doc[state].kind == Kind::tuple && doc[state].items.size() == 2) {
        dict_state = doc[state].items[0];
        slot_state = doc[state].items[1];
    }
    const bool has_dict = k == Kind::kwargs || k == Kind::blob || k == Kind::secret || k == Kind::context || k == Kind::sender;
    auto apply = [&](NodeId key_id, NodeId value_id, bool as_attr) -> Status {
        const Node& key = doc[key_id];
        if (as_attr && !text_like(key)) return type_error(std::string("attribute name must be string, not '") + tname(doc, key_id) + "'");
        if (!text_like(key)) return {};
        if (as_attr) {
            if (auto st = special_setattr(key.s, value_id); !st) return st;
        } else if (key.s == "__setstate__") {
            mark_patched(); // in the instance __dict__, a later BUILD finds and calls it
        }
        const Node& v = doc[value_id];
        if (k == Kind::context && (key.s == "context_id" || key.s == "name")) {
            if (key.s == "context_id") {
                if (!int_like(v)) return unsupported("a Context id that is not an int");
                doc[inst].i = int_of(v);
            } else if (v.kind == Kind::none) {
                doc[inst].flag = false;
                doc[inst].s.clear();
            } else if (text_like(v)) {
                const std::string name = v.s;
                doc[inst].flag = true;
                doc[inst].s = name;
            } else {
                return unsupported("a Context name that is not a str");
            }
        } else if (k == Kind::sender && (key.s == "dst_handle" || key.s == "context")) {
            if (key.s == "dst_handle") {
                if (!int_like(v)) return unsupported("a Sender handle that is not an int");
                doc[inst].i2 = int_of(v);
            } else {
                if (v.kind != Kind::context) return unsupported("a Sender context that is not a Context");
                doc[inst].i = v.i;
            }
        }
        return {};
    };
    if (doc[dict_state].kind != Kind::none) {
        if (doc[dict_state].kind != Kind::dict && doc[dict_state].kind != Kind::kwargs)
            return make_error(Errc::bad_value, "state is not a dictionary");
        if (k == Kind::global) {
            const auto c = static_cast<Callable>(doc[inst].i);
            if (is_class(c) && !doc[dict_state].items.empty())
                return type_error("'mappingproxy' object does not support item assignment");
        } else if (!has_dict) {
            return type_error(std::string("'") + tname(doc, inst) + "' object has no attribute '__dict__'");
        }
        const auto items = doc[dict_state].items;
        for (std::size_t j = 0; j + 1 < items.size(); j += 2)
            if (has_dict)
                if (auto st = apply(items[j], items[j + 1], false); !st) return st;
    }
    if (slot_state != NO_NODE) {
        if (doc[slot_state].kind != Kind::dict && doc[slot_state].kind != Kind::kwargs)
            return make_error(Errc::bad_value, "slot state is not a dictionary");
        const auto items = doc[slot_state].items;
        for (std::size_t j = 0; j + 1 < items.size(); j += 2) {
            if (!has_dict) {
                if (!text_like(doc[items[j]]))
                    return type_error(std::string("attribute name must be string, not '") + tname(doc, items[j]) + "'");
                if (k == Kind::global) return unsupported("setting attributes on a class or function through BUILD");
                return type_error(std::string("'") + tname(doc, inst) + "' object has no attribute '" + doc[items[j]].s + "'");
            }
            if (auto st = apply(items[j], items[j + 1], true); !st) return st;
        }
    }
    return {};
}

} // namespace mitokit::pickle::detail
