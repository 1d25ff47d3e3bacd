#include "mitokit/runtime/parent.hpp"

#include <memory>

#include "mitokit/pickle/json.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/module_catalog.hpp"

namespace mitokit::runtime {
namespace {

// The master's sys.modules: a file listing it (sim::LoadedFile), or else every
// name the served folders can provide, as if the master had imported them all.
class MasterModules final : public modules::LoadedModules {
public:
    explicit MasterModules(const sim::DirectorySource& src) : src_(src) {}
    void use(sim::LoadedFile f) { file_.emplace(std::move(f)); }
    bool loaded(std::string_view name) const override { return file_ ? file_->loaded(name) : src_.find(name).has_value(); }
    bool stdlib(std::string_view name) const override { return file_ && file_->stdlib(name); } // stdlib dirs are never served
    bool file_is_none(std::string_view name) const override { return file_ && file_->file_is_none(name); }
    std::vector<std::string> loaded_under(std::string_view p) const override {
        return file_ ? file_->loaded_under(p) : std::vector<std::string>{};
    }

private:
    const sim::DirectorySource& src_;
    std::optional<sim::LoadedFile> file_;
};

std::vector<std::string> joined(const ParentOptions& o) {
    std::vector<std::string> all = o.paths;
    all.insert(all.end(), o.system_paths.begin(), o.system_paths.end());
    return all;
}

std::string describe_exit(const ChildExit& e) {
    std::string s = "context " + std::to_string(e.id) + " (pid " + std::to_string(e.pid) + ") ";
    if (!e.status) return s + "closed its link";
    if (*e.status < 0) return s + "was killed by signal " + std::to_string(-*e.status);
    return s + "exited with status " + std::to_string(*e.status);
}

} // namespace

struct Parent::State {
    ParentOptions opt;
    sim::DirectorySource source;
    MasterModules loaded;
    sim::ModuleCatalog catalog;
    sim::FunctionRegistry functions; // what in-process C++ contexts can run
    sim::NodeShared shared;
    LiveEnv env;
    sim::Node master;
    bool shut_down = false;

    State(ParentOptions o, LiveOptions live)
        : opt(std::move(o)),
          source(joined(opt), opt.stdlib_dirs),
          loaded(source),
          catalog(source, loaded),
          functions(sim::FunctionRegistry::standard()),
          shared(make_shared(catalog, functions)),
          env(std::move(live)),
          master(env, shared, sim::NodeConfig{0, {}}) {}

    static sim::NodeShared make_shared(sim::ModuleCatalog& cat, const sim::FunctionRegistry& fns) {
        sim::NodeShared s;
        s.modules = &cat;
        s.functions = &fns;
        return s;
    }
};

Parent::Parent(std::unique_ptr<State> s) : st_(std::move(s)) {}

Parent::~Parent() {
    if (st_ && !st_->shut_down) (void)shutdown(milliseconds(2000));
}

Result<std::unique_ptr<Parent>> Parent::create(ParentOptions opt) {
    LiveOptions live = opt.live;
    if (live.core_source.empty()) {
        auto core = transport::read_installed_core_source(opt.core_path);
        if (!core) return Error{core.error().code, "cannot read mitogen core source: " + core.error().message, 0};
        live.core_source = std::move(*core);
    }
    auto st = std::make_unique<State>(std::move(opt), std::move(live));
    if (!st->opt.loaded_file.empty()) {
        auto f = sim::LoadedFile::read(st->opt.loaded_file, st->source);
        if (!f) return f.error();
        st->loaded.use(std::move(*f));
    }
    return std::unique_ptr<Parent>(new Parent(std::move(st)));
}

LiveEnv& Parent::env() noexcept { return st_->env; }
sim::Node& Parent::master() noexcept { return st_->master; }

Result<sim::ContextId> Parent::local(const std::string& name) {
    if (st_->shut_down) return Error{Errc::io, "parent already shut down", 0};
    std::optional<sim::ContextId> id;
    bool got = false;
    // The master's allocator answers at once (no round trip); run it through the node.
    st_->master.allocate_id([&](std::optional<sim::ContextId> v) {
        id = v;
        got = true;
    });
    st_->env.run_until([&] { return got; }, Clock::now() + milliseconds(1000));
    if (!id) return Error{Errc::io, "no context ID could be allocated", 0};
    const std::string nm = name.empty() ? "local." + std::to_string(*id) : name;
    auto s = st_->env.boot_child(st_->master, *id, nm);
    if (!s) return s.error();
    st_->master.child_connected(*s);
    return *id;
}

Result<sim::ContextId> Parent::local_cpp(const std::string& name) {
    if (st_->shut_down) return Error{Errc::io, "parent already shut down", 0};
    std::optional<sim::ContextId> id;
    st_->master.allocate_id([&](std::optional<sim::ContextId> v) { id = v; });
    if (!id) return Error{Errc::io, "no context ID could be allocated", 0};
    auto c = st_->env.add_local_child(st_->master, *id, name.empty() ? "cpp." + std::to_string(*id) : name,
                                      st_->shared);
    if (!c) return c.error();
    st_->master.child_connected(c->parent_stream);
    return *id;
}

Status set_call_arguments(payload::CallFunction& call, std::string_view args_json, std::string_view kwargs_json) {
    auto& doc = call.doc;
    auto a = pickle::from_json(args_json, doc);
    if (!a) return Error{a.error().code, "--args: " + a.error().message, a.error().offset};
    if (doc[*a].kind != pickle::Kind::list && doc[*a].kind != pickle::Kind::tuple)
        return Error{Errc::bad_json, "--args: expected a JSON list or {\"tuple\":[...]} of positional arguments", 0};
    doc[*a].kind = pickle::Kind::tuple;
    call.args = *a;
    auto k = pickle::from_json(kwargs_json, doc);
    if (!k) return Error{k.error().code, "--kwargs: " + k.error().message, k.error().offset};
    if (doc[*k].kind != pickle::Kind::dict && doc[*k].kind != pickle::Kind::kwargs)
        return Error{Errc::bad_json, "--kwargs: expected {\"kwargs\":[[name,value],...]} or {\"dict\":[...]}", 0};
    const auto& items = doc[*k].items;
    for (std::size_t i = 0; i < items.size(); i += 2)
        if (doc[items[i]].kind != pickle::Kind::str)
            return Error{Errc::bad_json, "--kwargs: keyword " + std::to_string(i / 2) + " is not a string", 0};
    doc[*k].kind = pickle::Kind::kwargs;
    call.kwargs = *k;
    return {};
}

Result<sim::Reply> Parent::call(sim::ContextId target, std::string_view module, std::optional<std::string> klass,
                                std::string_view function, std::string_view args_json, std::string_view kwargs_json,
                                milliseconds timeout) {
    if (st_->shut_down) return Error{Errc::io, "parent already shut down", 0};
    const std::string what = std::string(module) + "." + (klass ? *klass + "." : "") + std::string(function);
    auto c = sim::make_call(module, klass, function);
    if (auto s = set_call_arguments(c, args_json, kwargs_json); !s) return s.error();
    if (!st_->master.route_for(target) && target != 0)
        return Error{Errc::io, "no route to context " + std::to_string(target), 0};
    // The handler outlives this call when it times out (a late reply, or the
    // broker's dead message at shutdown), so the slot is shared.
    auto reply = std::make_shared<std::optional<sim::Reply>>();
    st_->master.call_async(target, c, [reply](sim::Node&, const sim::Message& m) { *reply = sim::read_reply(m); });
    const bool done = st_->env.run_until([&] { return reply->has_value(); }, Clock::now() + timeout);
    if (!done) {
        std::string msg = "no reply from context " + std::to_string(target) + " to " + what + " within " +
                          std::to_string(timeout.count()) + " ms";
        // e.g. a grandchild that could not boot: the reason is in the loop's errors.
        if (!st_->env.errors().empty()) msg += " (last error: " + st_->env.errors().back() + ")";
        return Error{Errc::io, msg, 0};
    }
    if ((*reply)->dead) {
        std::string msg =
            "call to " + what + " in context " + std::to_string(target) + " failed: " + (*reply)->dead_reason;
        for (const auto& e : st_->env.exits())
            if (e.id == target) msg += " (" + describe_exit(e) + ")";
        return Error{Errc::io, msg, 0};
    }
    return std::move(**reply);
}

Status Parent::shutdown(milliseconds timeout) {
    if (st_->shut_down) return {};
    st_->shut_down = true;
    if (st_->master.alive()) st_->master.shutdown();
    // The links close once the SHUTDOWN frames are out.
    st_->env.run_until([&] { return st_->env.flushed(); }, Clock::now() + timeout);
    const std::size_t killed = st_->env.reap_children(Clock::now() + timeout);
    if (killed)
        return Error{Errc::io, std::to_string(killed) + " child process(es) ignored SHUTDOWN for " +
                                   std::to_string(timeout.count()) + " ms and were killed",
                     0};
    return {};
}

ModuleCounts Parent::module_counts() const {
    const auto c = st_->env.counts(st_->master);
    ModuleCounts m;
    if (auto it = c.in.find(handle::GET_MODULE); it != c.in.end()) m.get_module = it->second;
    if (auto it = c.out.find(handle::LOAD_MODULE); it != c.out.end()) m.load_module = it->second;
    return m;
}

} // namespace mitokit::runtime
