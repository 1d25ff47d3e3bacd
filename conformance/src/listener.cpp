#include "mitokit/conformance/listener.hpp"

#include <unistd.h>

#include "mitokit/conformance/natives.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/transport/unix_socket.hpp"

namespace mitokit::conformance {
namespace {

// The master imported everything it serves (the reference script does).
class ServedModules final : public modules::LoadedModules {
public:
    explicit ServedModules(const sim::DirectorySource& src) : src_(src) {}
    bool loaded(std::string_view name) const override { return src_.find(name).has_value(); }
    bool stdlib(std::string_view) const override { return false; }

private:
    const sim::DirectorySource& src_;
};

sim::FunctionRegistry functions() {
    auto r = sim::FunctionRegistry::standard();
    add_conform_functions(r);
    return r;
}

} // namespace

struct CppListener::State {
    ListenerOptions opt;
    sim::DirectorySource source;
    ServedModules loaded;
    sim::ModuleCatalog catalog;
    sim::FunctionRegistry fns;
    sim::NodeShared shared;
    runtime::LiveEnv env;
    sim::Node master;
    std::optional<transport::UnixListener> listener;
    std::size_t clients = 0;
    std::vector<std::string> errors;

    explicit State(ListenerOptions o)
        : opt(std::move(o)),
          source(opt.module_dirs, opt.stdlib_dirs),
          loaded(source),
          catalog(source, loaded),
          fns(functions()),
          shared(make_shared(catalog, fns)),
          env(runtime::LiveOptions{}),
          master(env, shared, sim::NodeConfig{0, {}}) {}

    static sim::NodeShared make_shared(sim::ModuleCatalog& cat, const sim::FunctionRegistry& f) {
        sim::NodeShared s;
        s.modules = &cat;
        s.functions = &f;
        return s;
    }

    void accept_one() {
        std::optional<sim::ContextId> id;
        master.allocate_id([&](std::optional<sim::ContextId> v) { id = v; });
        if (!id) {
            errors.push_back("no context ID for a new client");
            return;
        }
        const transport::UnixHello hello{*id, master.id(), static_cast<std::uint32_t>(::getpid())};
        auto c = listener->accept(hello, runtime::Clock::now() + opt.handshake_timeout);
        if (!c) {
            errors.push_back(c.error().message);
            return;
        }
        auto s = env.adopt(master, std::move(c->first), *id, "unix_client." + std::to_string(c->second), master.id());
        if (!s) {
            errors.push_back(s.error().message);
            return;
        }
        master.register_peer(*s);
        ++clients;
    }
};

CppListener::CppListener(std::unique_ptr<State> s) : st_(std::move(s)) {}

CppListener::~CppListener() {
    if (st_ && st_->listener) st_->env.unwatch(st_->listener->fd());
}

Result<std::unique_ptr<CppListener>> CppListener::start(ListenerOptions opt) {
    auto st = std::make_unique<State>(std::move(opt));
    // The target: context 1, a C++ child of the master over a real socketpair.
    std::optional<sim::ContextId> id;
    st->master.allocate_id([&](std::optional<sim::ContextId> v) { id = v; });
    if (!id || *id != 1) return make_error(Errc::io, "the master did not allocate context 1 for the target");
    auto child = st->env.add_local_child(st->master, *id, "target", st->shared);
    if (!child) return child.error();
    st->master.child_connected(child->parent_stream);
    auto l = transport::UnixListener::listen(st->opt.socket_path);
    if (!l) return l.error();
    st->listener.emplace(std::move(*l));
    State* raw = st.get();
    st->env.watch(st->listener->fd(), [raw] { raw->accept_one(); });
    return std::unique_ptr<CppListener>(new CppListener(std::move(st)));
}

const std::string& CppListener::socket_path() const noexcept { return st_->listener->path(); }
std::size_t CppListener::clients() const noexcept { return st_->clients; }
runtime::LiveEnv& CppListener::env() noexcept { return st_->env; }
const std::vector<std::string>& CppListener::errors() const noexcept { return st_->errors; }

bool CppListener::run_until(const std::function<bool()>& done, runtime::Clock::time_point deadline) {
    return st_->env.run_until(done, deadline);
}

} // namespace mitokit::conformance
