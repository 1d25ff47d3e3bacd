#include "mitokit/sim/functions.hpp"

#include <algorithm>

#include "mitokit/sim/node.hpp"
#include "mitokit/sim/step_loop.hpp"

namespace mitokit::sim {
namespace {

const pickle::Node* arg(const payload::CallFunction& c, std::size_t i) {
    if (c.args == pickle::NO_NODE) return nullptr;
    const auto& items = c.doc[c.args].items;
    return i < items.size() ? &c.doc[items[i]] : nullptr;
}

const pickle::Node* kwarg(const payload::CallFunction& c, std::string_view key) {
    if (c.kwargs == pickle::NO_NODE) return nullptr;
    const auto& items = c.doc[c.kwargs].items;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const auto& k = c.doc[items[i]];
        if ((k.kind == pickle::Kind::str || k.kind == pickle::Kind::bytes) && k.s == key) return &c.doc[items[i + 1]];
    }
    return nullptr;
}

std::optional<std::int64_t> as_int(const pickle::Node* n) {
    if (n && n->kind == pickle::Kind::integer) return n->i;
    return std::nullopt;
}

// Imports the names one after another, then done(number that imported cleanly).
struct ImportRun {
    std::vector<std::string> names;
    std::size_t next = 0;
    std::int64_t ok = 0;
    CallDone done;
    StepLoop steps{}; // the list may hold thousands answered at once
};

void import_all(Node& node, const std::shared_ptr<ImportRun>& run) {
    while (run->next < run->names.size()) {
        const std::string name = run->names[run->next];
        const bool at_once = run->steps.answered_at_once([&] {
            node.import_module(name, [&node, run](std::optional<std::string> err) {
                run->ok += err ? 0 : 1;
                ++run->next;
                if (run->steps.answer()) import_all(node, run);
            });
        });
        if (!at_once) return;
    }
    run->done(CallResult::integer(run->ok));
}

// Allocates the IDs one after another (each may wait for a block), then answers the list.
struct IdRun {
    std::size_t left;
    std::vector<ContextId> ids;
    CallDone done;
};

void allocate_next(Node& node, std::shared_ptr<IdRun> run) {
    if (run->left == 0) {
        CallResult res;
        std::vector<pickle::NodeId> items;
        items.reserve(run->ids.size());
        for (ContextId id : run->ids) items.push_back(res.doc.integer(id));
        res.root = res.doc.seq(pickle::Kind::list, std::move(items));
        run->done(std::move(res));
        return;
    }
    --run->left;
    node.allocate_id([&node, run](std::optional<ContextId> id) {
        if (!id) {
            // send_await raised: the call fails as the allocation did.
            run->done(CallResult::raise("mitogen.core.ChannelError", "ALLOCATE_ID got no block"));
            return;
        }
        run->ids.push_back(*id);
        allocate_next(node, run);
    });
}

// _proxy_connect's answer when the child got no ID.
CallResult no_id_allocated() {
    CallResult res;
    auto& d = res.doc;
    d.reserve(7); // the dict and its six items, without regrowing
    res.root = d.seq(pickle::Kind::dict, {d.str("id"), d.none(), d.str("name"), d.none(), d.str("msg"),
                                          d.str("error occurred on host mitokit-sim: no ID allocated")});
    return res;
}

} // namespace

std::string FunctionRegistry::key(std::string_view m, const std::optional<std::string>& k, std::string_view f) {
    std::string s(m);
    s.push_back('\0');
    if (k) s += *k;
    s.push_back('\0');
    s += f;
    return s;
}

void FunctionRegistry::add(std::string module, std::optional<std::string> klass, std::string function, NativeFn fn) {
    modules_[module] = 1;
    if (klass) classes_[module + '\0' + *klass] = 1;
    fns_[key(module, klass, function)] = std::move(fn);
}

const NativeFn* FunctionRegistry::find(std::string_view module, const std::optional<std::string>& klass,
                                       std::string_view function) const {
    // Looked up once per call: the usual short key is built on the stack.
    char buf[128];
    const std::size_t n = module.size() + (klass ? klass->size() : 0) + function.size() + 2;
    if (n <= sizeof buf) {
        char* p = std::copy(module.begin(), module.end(), buf);
        *p++ = '\0';
        if (klass) p = std::copy(klass->begin(), klass->end(), p);
        *p++ = '\0';
        std::copy(function.begin(), function.end(), p);
        const auto it = fns_.find(std::string_view(buf, n));
        return it == fns_.end() ? nullptr : &it->second;
    }
    const auto it = fns_.find(key(module, klass, function));
    return it == fns_.end() ? nullptr : &it->second;
}

bool FunctionRegistry::has_module(std::string_view module) const { return modules_.count(module) != 0; }

bool FunctionRegistry::has_class(std::string_view module, std::string_view klass) const {
    std::string k(module);
    k.push_back('\0');
    k += klass;
    return classes_.count(k) != 0;
}

void FunctionRegistry::mark_takes_context(std::string_view module, const std::optional<std::string>& klass,
                                          std::string_view function) {
    takes_context_[key(module, klass, function)] = 1;
}

bool FunctionRegistry::takes_context(std::string_view module, const std::optional<std::string>& klass,
                                     std::string_view function) const {
    return takes_context_.count(key(module, klass, function)) != 0;
}

FunctionRegistry FunctionRegistry::standard() {
    FunctionRegistry r;
    r.add_builtin_module("posix");
    r.add_builtin_module("mitogen.core");
    r.add_builtin_module("mitokit.sim");
    // os.getpid travels as posix.getpid; a context's ID stands in for its PID.
    r.add("posix", std::nullopt, "getpid",
          [](Node& n, const payload::CallFunction&, CallDone done) { done(CallResult::integer(n.id())); });
    // os._exit travels as posix._exit: the context's process ends at once, with no
    // reply; its parent sees the stream close (DEL_ROUTE up, its children orphaned).
    r.add("posix", std::nullopt, "_exit", [](Node& n, const payload::CallFunction&, CallDone) { n.crash(); });
    r.add("mitogen.core", "Dispatcher", "forget_chain", [](Node& n, const payload::CallFunction& c, CallDone done) {
        const auto* id = arg(c, 0);
        if (!id || (id->kind != pickle::Kind::str && id->kind != pickle::Kind::bytes)) {
            done(CallResult::raise("builtins.TypeError", "forget_chain() needs a chain_id"));
            return;
        }
        n.forget_chain(id->s);
        done(CallResult::none());
    });
    r.mark_takes_context("mitogen.core", std::string("Dispatcher"), "forget_chain");
    // parent._proxy_connect: upgrade, allocate an ID (a round trip below the
    // master), connect a child, answer {'id', 'name', 'msg'}.
    r.add("mitogen.parent", std::nullopt, "_proxy_connect", [](Node& n, const payload::CallFunction& c, CallDone done) {
        // Context.name: the name asked for, else the stream's default.
        if (const auto* k = kwarg(c, "name"); k && k->kind == pickle::Kind::str && !k->s.empty()) {
            n.spawn_child(k->s, [done, name = k->s](std::optional<ContextId> id, StreamId) {
                done(id ? CallResult::connected(*id, name) : no_id_allocated());
            });
            return;
        }
        // The usual name=None: a callback of one CallDone, which std::function
        // keeps without a heap block (one per context a tree builds).
        n.spawn_child({}, [done](std::optional<ContextId> id, StreamId) {
            done(id ? CallResult::connected_default(*id) : no_id_allocated());
        });
    });
    r.mark_takes_context("mitogen.parent", std::nullopt, "_proxy_connect");
    r.add("mitokit.sim", std::nullopt, "sleep", [](Node& n, const payload::CallFunction& c, CallDone done) {
        const auto ns = as_int(arg(c, 0));
        if (!ns || *ns < 0) {
            done(CallResult::raise("builtins.TypeError", "sleep() needs a non-negative int of nanoseconds"));
            return;
        }
        n.env().defer(n, static_cast<Time>(*ns), [done] { done(CallResult::none()); });
    });
    r.add("mitokit.sim", std::nullopt, "fail", [](Node&, const payload::CallFunction& c, CallDone done) {
        const auto* t = arg(c, 0);
        done(CallResult::raise("builtins.RuntimeError", t && t->kind == pickle::Kind::str ? t->s : "failed"));
    });
    r.add("mitokit.sim", std::nullopt, "log", [](Node& n, const payload::CallFunction& c, CallDone done) {
        const auto count = as_int(arg(c, 0)).value_or(1);
        if (count < 0 || count > MAX_LOGS_PER_CALL) {
            done(CallResult::raise("builtins.ValueError", "log() needs a count of 0.." + std::to_string(MAX_LOGS_PER_CALL)));
            return;
        }
        for (std::int64_t i = 0; i < count; ++i) n.log("mitokit.sim", 20, "record " + std::to_string(i));
        done(CallResult::none());
    });
    // [router.allocate_id() for _ in range(n)]: IDs from the context's block, with an
    // ALLOCATE_ID round trip to the master whenever the block runs out.
    r.add("mitokit.sim", std::nullopt, "allocate_ids", [](Node& n, const payload::CallFunction& c, CallDone done) {
        const auto count = as_int(arg(c, 0));
        if (!count || *count < 0 || *count > MAX_IDS_PER_CALL) {
            done(CallResult::raise("builtins.ValueError", "allocate_ids() needs a count of 0.." +
                                                              std::to_string(MAX_IDS_PER_CALL)));
            return;
        }
        auto run = std::make_shared<IdRun>(IdRun{static_cast<std::size_t>(*count), {}, std::move(done)});
        run->ids.reserve(run->left);
        allocate_next(n, std::move(run));
    });
    r.add("mitokit.sim", std::nullopt, "import_modules", [](Node& n, const payload::CallFunction& c, CallDone done) {
        auto run = std::make_shared<ImportRun>(ImportRun{{}, 0, 0, done});
        if (const auto* l = arg(c, 0); l && (l->kind == pickle::Kind::list || l->kind == pickle::Kind::tuple))
            for (auto id : l->items)
                if (c.doc[id].kind == pickle::Kind::str) run->names.push_back(c.doc[id].s);
        import_all(n, run);
    });
    return r;
}

} // namespace mitokit::sim
