// Dispatcher (CALL_FUNCTION, one at a time, call chains), the CALL_SERVICE stub,
// Context.call_async, Router.local(), FORWARD_LOG, SHUTDOWN and DETACHING.
#include <algorithm>
#include <array>
#include <cctype>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "node_internal.hpp"

namespace mitokit::sim {
namespace {

using pickle::Kind;
using pickle::NodeId;

// `out` holds the pickle of `root` afterwards (it must come in empty).
void pickle_into(const pickle::Document& doc, pickle::NodeId root, std::vector<std::uint8_t>& out) {
    if (auto st = pickle::encode(doc, root, out); !st) {
        // As the reference does when pickling fails: send CallError(e) instead.
        pickle::Document err;
        const auto e = err.call_error("_pickle.PicklingError: " + st.error().message);
        out.clear();
        (void)pickle::encode(err, e, out);
    }
}

void pickle_error_into(std::string_view text, std::vector<std::uint8_t>& out) {
    pickle::Document doc;
    pickle_into(doc, doc.call_error(text), out);
}

std::vector<std::uint8_t> pickled(const pickle::Document& doc, pickle::NodeId root) {
    std::vector<std::uint8_t> out;
    pickle_into(doc, root, out);
    return out;
}

// --- what Python makes of a payload the typed parser refuses ---------------------
// Only error paths come here. 0.3.3's Dispatcher unpickles the payload and unpacks
// and uses it in Python, so a malformed call is answered with the Python exception
// that raises first; the texts below are CPython 3.11's (checked against the
// reference by simulator/tests/dispatch_errors_test.cpp).

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

// One step of the Python dispatch: go on, raise `error`, or a case not modelled
// (the caller keeps the typed parser's refusal).
struct PyStep {
    enum { go, raise, unmodelled } what = go;
    std::string error;
    static PyStep fail(std::string_view type, std::string_view text) {
        return {raise, std::string(type) + ": " + std::string(text)};
    }
};

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

// A module or class attribute that is there but is no function: getattr finds it
// and the call fails. Only values every module or class has are modelled; the
// result is the value's str() (for the call's own messages), and its type.
struct NotCallable {
    std::string value;
    const char* type;
};

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
// `go`, rc.call holds the call as Python would use it and rc.unpacked its values.
PyStep unpack_as_python(std::span<const std::uint8_t> data, RunningCall& rc) {
    payload::CallFunction& call = rc.call;
    call.chain_id = call.args = call.kwargs = pickle::NO_NODE;
    call.klass.reset();
    auto used = pickle::decode_first(data, call.doc);
    if (!used) {
        auto ex = unpickle_exception(used.error());
        return ex ? PyStep{PyStep::raise, std::move(*ex)} : PyStep{PyStep::unmodelled, {}};
    }
    NodeId six = pickle::NO_NODE;
    PyStep step = unpack_call(call, call.doc.root(), six);
    if (step.what == PyStep::go) rc.unpacked = six;
    return step;
}

} // namespace

// --- Dispatcher ------------------------------------------------------------------

void Node::on_call_function(Message& msg) {
    if (!call_busy_ && !calls_) {
        start_call(msg); // the main thread is idle and nothing waits: no queue needed
        return;
    }
    if (!calls_) calls_ = shared_.scratch ? shared_.scratch->take_queue() : std::make_unique<CallQueue>();
    calls_->q.push_back(std::move(msg)); // the main thread is busy: the message waits (taken from the caller)
    dispatch_next();
}

void Node::dispatch_next() {
    if (call_busy_ || !calls_ || !alive_) return;
    Message msg = std::move(calls_->q[calls_->head++]);
    if (calls_->head == calls_->q.size()) { // an idle context keeps no queue
        if (shared_.scratch) shared_.scratch->give_queue(std::move(calls_));
        calls_.reset();
    }
    start_call(msg);
}

std::size_t Node::queued_calls() const noexcept {
    return (calls_ ? calls_->q.size() - calls_->head : 0) + (call_busy_ ? 1 : 0);
}

void Node::start_call(const Message& msg) {
    if (msg.is_dead()) {
        // Receiver iteration ends on ChannelError: the main thread returns and the
        // context shuts down.
        shutdown();
        return;
    }
    call_busy_ = true;
    env_.note(*this, Note::call_started, &msg.h, {});
    run_call(msg);
}

void Node::forget_chain(const std::string& chain_id) {
    if (chain_errors_) chain_errors_->erase(chain_id);
}

void Node::run_call(const Message& msg) {
    // The parsed call lives in running_ until the main thread takes the next one;
    // its storage comes from (and goes back to) the shared scratch.
    running_ = shared_.scratch ? shared_.scratch->take_call() : std::make_unique<RunningCall>();
    RunningCall& rc = *running_;
    rc.h = msg.h;
    rc.chain.reset();
    rc.finished = false;
    rc.unpacked = pickle::NO_NODE;
    if (auto st = payload::parse_call_function(msg.data, rc.call); !st) {
        // Refused by the typed parser: what would Python make of it?
        const PyStep step = unpack_as_python(msg.data, rc);
        if (step.what != PyStep::go) {
            std::string text = step.what == PyStep::raise ? step.error : "mitogen.core.StreamError: " + st.error().message;
            finish_call(CallResult{{}, pickle::NO_NODE, std::move(text)}, false);
            return;
        }
    }
    const payload::CallFunction& call = rc.call;
    if (call.module.empty()) { // __import__('')
        finish_call(CallResult::raise("builtins.ValueError", "Empty module name"), false);
        return;
    }
    if (call.chain_id != pickle::NO_NODE) {
        const auto& n = call.doc[call.chain_id];
        if (n.kind == pickle::Kind::str || n.kind == pickle::Kind::bytes) rc.chain = n.s;
    }
    const bool needs_import = shared_.modules && !shared_.modules->child_local(call.module) &&
                              !(shared_.functions && shared_.functions->is_builtin_module(call.module));
    if (needs_import) {
        import_module(call.module, [this](std::optional<std::string> import_error) {
            if (alive_) call_imported(std::move(import_error));
        });
    } else {
        call_imported(std::nullopt);
    }
}

void Node::call_imported(std::optional<std::string> import_error) {
    const RunningCall& rc = *running_;
    const payload::CallFunction& call = rc.call;
    if (import_error) {
        finish_call(CallResult{{}, pickle::NO_NODE, std::move(import_error)}, false);
        return;
    }
    const NativeFn* fn = shared_.functions && rc.unpacked == pickle::NO_NODE
                             ? shared_.functions->find(call.module, call.klass, call.function)
                             : nullptr;
    if (!fn) return call_imported_slow();
    if (rc.chain && chain_errors_) {
        if (auto it = chain_errors_->find(*rc.chain); it != chain_errors_->end()) {
            finish_call(CallResult{{}, pickle::NO_NODE, it->second}, false);
            return;
        }
    }
    (*fn)(*this, call, [this](CallResult r) {
        if (alive_) finish_call(std::move(r), true);
    });
}

// What _parse_request and the call do past the import where the fast path above
// does not apply, in Python's order: getattr on names that are no str, a missing
// class or function, an attribute that is no function, kwargs.setdefault, the
// chain's earlier failure, then `fn(*args, **kwargs)`.
void Node::call_imported_slow() {
    RunningCall& rc = *running_;
    payload::CallFunction& call = rc.call;
    const FunctionRegistry* fns = shared_.functions;
    const auto has_class = [&] { return call.klass && fns && fns->has_class(call.module, *call.klass); };
    if (rc.unpacked != pickle::NO_NODE) {
        if (auto e = getattr_names(call, rc.unpacked, has_class())) {
            finish_call(CallResult{{}, pickle::NO_NODE, std::move(e)}, false);
            return;
        }
    }
    const NativeFn* fn = fns ? fns->find(call.module, call.klass, call.function) : nullptr;
    std::optional<NotCallable> plain; // getattr found a value, not a function
    if (!fn && !(plain = plain_attribute(call, has_class()))) {
        const bool found = has_class();
        // getattr(module, klass) comes first: a class the module lacks is what is missing.
        const std::string owner = found ? "type object '" + *call.klass + "'" : "module '" + call.module + "'";
        const std::string& missing = call.klass && !found ? *call.klass : call.function;
        finish_call(CallResult::raise("builtins.AttributeError", owner + " has no attribute '" + missing + "'"),
                    false);
        return;
    }
    if (rc.unpacked != pickle::NO_NODE && fn && fns->takes_context(call.module, call.klass, call.function) &&
        !is_mapping(call.doc[call.kwargs])) {
        // _parse_request: kwargs.setdefault('econtext', ...) for @takes_econtext/@takes_router.
        finish_call(CallResult::raise("builtins.AttributeError", std::string("'") + type_of(call.doc, call.kwargs) +
                                                                     "' object has no attribute 'setdefault'"),
                    false);
        return;
    }
    if (rc.chain && chain_errors_) {
        if (auto it = chain_errors_->find(*rc.chain); it != chain_errors_->end()) {
            finish_call(CallResult{{}, pickle::NO_NODE, it->second}, false);
            return;
        }
    }
    if (rc.unpacked != pickle::NO_NODE) {
        const std::string callee = plain ? plain->value : qualname(call) + "()";
        PyStep step = check_call_arguments(call, callee, plain);
        if (step.what == PyStep::unmodelled)
            step.error = "mitogen.core.StreamError: CALL_FUNCTION: mitokit does not model *args of a set of several items "
                         "(its order is CPython's hash order)";
        if (step.what != PyStep::go) {
            finish_call(CallResult{{}, pickle::NO_NODE, std::move(step.error)}, step.what == PyStep::raise);
            return;
        }
    } else if (plain) {
        finish_call(CallResult::raise("builtins.TypeError", std::string("'") + plain->type + "' object is not callable"),
                    true);
        return;
    }
    (*fn)(*this, call, [this](CallResult r) {
        if (alive_) finish_call(std::move(r), true);
    });
}

void Node::finish_call(CallResult result, bool cache_failure) {
    if (!running_ || running_->finished) return; // a native that answered twice
    RunningCall& rc = *running_;
    rc.finished = true;
    if (result.error && rc.chain && cache_failure) {
        if (!chain_errors_) chain_errors_ = std::make_unique<std::map<std::string, std::string>>();
        chain_errors_->emplace(*rc.chain, *result.error);
    }
    if (rc.h.reply_to) {
        // Pickled into the scratch buffer and copied on by the env, not into a
        // fresh vector each reply.
        std::vector<std::uint8_t> own;
        std::vector<std::uint8_t>& buf = shared_.scratch ? shared_.scratch->bytes() : own;
        buf.clear();
        if (result.error) {
            pickle_error_into(*result.error, buf);
        } else {
            pickle::Document own_doc;
            const auto [doc, root] = result.value(shared_.scratch ? shared_.scratch->doc() : own_doc);
            pickle_into(*doc, root, buf);
        }
        env_.defer_route_frame(*this, make(rc.h.src_id, rc.h.reply_to, {}).h, buf);
    }
    env_.note(*this, Note::call_finished, &rc.h, result.error ? *result.error : std::string());
    // The main thread is busy for call_cost, then takes the next message.
    env_.defer_main_thread(*this, shared_.call_cost);
}

void Node::main_thread_free() {
    call_busy_ = false;
    if (running_ && shared_.scratch) shared_.scratch->give_call(std::move(running_));
    running_.reset();
    dispatch_next();
}

// --- CALL_SERVICE ----------------------------------------------------------------
// The Dispatcher's stub starts mitogen.service's pool, whose _on_service_call
// answers a CallError for a payload it cannot unpickle or that is not
// (str, str, dict) ("Invalid message format."), and for a service module that
// does not import. Past that the answer comes from the service class's own
// Python code (its constructor, its methods), which the simulator cannot run:
// such a request is consumed with a note and no reply (docs/simulator.md).

void Node::on_call_service(const Message& msg) {
    const auto cannot = [&](std::string_view why) {
        env_.note(*this, Note::handler_error, &msg.h, "CALL_SERVICE: " + std::string(why));
    };
    if (msg.is_dead()) return cannot("a dead message");
    const Header h = msg.h;
    const auto answer = [this, h](std::string_view text) {
        if (!h.reply_to) return; // Message.reply drops a reply with no return address
        std::vector<std::uint8_t> out;
        pickle_error_into(text, out);
        route(make(h.src_id, h.reply_to, std::move(out)));
    };
    pickle::Document doc;
    auto used = pickle::decode_first(msg.data, doc);
    if (!used) {
        if (auto ex = unpickle_exception(used.error())) return answer(*ex);
        return cannot(used.error().message);
    }
    const pickle::Node& t = doc[doc.root()];
    const auto name_like = [&](NodeId id) { return is_text(doc[id]) || doc[id].kind == Kind::bytes; };
    // Pool._validate: exactly a tuple, two AnyTextType, a dict.
    if (t.kind != Kind::tuple || t.items.size() != 3 || !name_like(t.items[0]) || !name_like(t.items[1]) ||
        !is_mapping(doc[t.items[2]]))
        return answer("Invalid message format.");
    if (!is_text(doc[t.items[0]]) || !is_text(doc[t.items[1]])) return cannot("bytes service or method names");
    // Activator.activate: mod_name, _, class_name = service_name.rpartition('.').
    const std::string& service = doc[t.items[0]].s;
    const auto dot = service.rfind('.');
    const std::string module = dot == std::string::npos ? std::string() : service.substr(0, dot);
    if (module.empty()) return answer("builtins.ValueError: Empty module name");
    const bool needs_import = shared_.modules && !shared_.modules->child_local(module) &&
                              !(shared_.functions && shared_.functions->is_builtin_module(module));
    if (!needs_import) return cannot("mitokit runs no service classes");
    import_module(module, [this, h, answer](std::optional<std::string> import_error) {
        if (!alive_) return;
        if (import_error) return answer(*import_error);
        env_.note(*this, Note::handler_error, &h, "CALL_SERVICE: mitokit runs no service classes");
    });
}

// --- acting as a caller --------------------------------------------------------------

void Node::call_async(ContextId target, const payload::CallFunction& call,
                      std::function<void(Node&, const Message&)> on_reply) {
    call_async_pickled(target, payload::build_call_function(call), std::move(on_reply));
}

void Node::call_async_pickled(ContextId target, std::span<const std::uint8_t> payload,
                              std::function<void(Node&, const Message&)> on_reply) {
    const std::uint32_t h = add_reply_handler(target, std::move(on_reply));
    Message m = make(target, handle::CALL_FUNCTION, {});
    m.h.reply_to = h;
    env_.defer_route_frame(*this, m.h, payload); // Router.route(), without a buffer of our own
}

void Node::call_no_reply_pickled(ContextId target, std::span<const std::uint8_t> payload) {
    Message m = make(target, handle::CALL_FUNCTION, {});
    env_.defer_route_frame(*this, m.h, payload);
}

void Node::spawn_child(std::string name, SpawnDone done) {
    upgrade();
    const std::uint32_t slot = ids().spawns.put(Spawn{std::move(name), std::move(done)});
    allocate_id([this, slot](std::optional<ContextId> id) { spawn_with_id(slot, id); });
}

void Node::spawn_with_id(std::uint32_t slot, std::optional<ContextId> id) {
    if (!id || !alive_) {
        take_spawn(slot)(std::nullopt, NO_STREAM);
        return;
    }
    const ContextId cid = *id;
    std::string name = std::move(ids().spawns[slot].name);
    if (name.empty()) name = "local." + std::to_string(cid);
    env_.spawn_child(*this, cid, std::move(name), [this, slot, cid](StreamId s) {
        SpawnDone done = take_spawn(slot);
        if (!alive_) return;
        child_connected(s);
        done(cid, s);
    });
}

Node::SpawnDone Node::take_spawn(std::uint32_t slot) {
    auto& spawns = ids().spawns;
    SpawnDone done = spawns.take(slot).done;
    // None pending: a parent that spawned many at once (the master) keeps no big table.
    if (spawns.in_use() == 0 && spawns.capacity() > 8) spawns.release();
    return done;
}

void Node::log(std::string_view logger, int level, std::string_view text) {
    route(make(0, handle::FORWARD_LOG, payload::build_forward_log(logger, level, text)));
}

void Node::on_forward_log(const Message& msg) {
    if (msg.is_dead()) return;
    auto r = payload::parse_forward_log(msg.data);
    if (!r) {
        env_.note(*this, Note::handler_error, &msg.h, r.error().message);
        return;
    }
    env_.log_record(*this, msg.h.src_id, r->logger, r->level, r->message);
}

void Node::on_shutdown_msg(const Message& msg) {
    if (msg.is_dead()) return;
    shutdown();
}

// --- detach ------------------------------------------------------------------------

void Node::on_detaching(const Message& msg) {
    if (msg.is_dead()) return;
    const StreamId s = lookup_or(msg.h.src_id, parent_id() ? lookup(*parent_id()) : NO_STREAM);
    if (s == NO_STREAM || streams_[s]->remote_id != msg.h.src_id || streams_[s]->detached) {
        env_.note(*this, Note::handler_error, &msg.h, "DETACHING from a context that is not an attached child");
        return;
    }
    streams_[s]->detached = true;
    if (msg.h.reply_to) {
        pickle::Document doc;
        route(make(msg.h.src_id, msg.h.reply_to, pickled(doc, doc.none())));
    }
}

void Node::detach() {
    const auto pid = parent_id();
    if (!pid || detached_) return;
    const std::uint32_t h = add_reply_handler(*pid, [](Node& n, const Message& reply) {
        if (reply.is_dead()) return;
        n.detached_ = true;
        if (const auto p = n.parent_id()) {
            const StreamId s = n.lookup(*p);
            n.parent_ids_.clear();
            n.has_parent_ = false;
            if (s != NO_STREAM) n.disconnect_stream(s);
        }
    });
    Message m = make(*pid, handle::DETACHING, {});
    m.h.reply_to = h;
    route(std::move(m));
}

} // namespace mitokit::sim
