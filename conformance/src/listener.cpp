#include "mitokit/conformance/listener.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "mitokit/conformance/natives.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/transport/boot.hpp"
#include "mitokit/transport/unix_socket.hpp"

namespace mitokit::conformance {
namespace {

void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 24);
    p[1] = std::uint8_t(v >> 16);
    p[2] = std::uint8_t(v >> 8);
    p[3] = std::uint8_t(v);
}
std::uint32_t get_be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

sim::FunctionRegistry functions() {
    auto r = sim::FunctionRegistry::standard();
    add_conform_functions(r);
    return r;
}

} // namespace

struct CppListener::State {
    ListenerOptions opt;
    sim::DirectorySource source;
    modules::EverythingLoaded loaded;
    sim::ModuleCatalog catalog;
    sim::FunctionRegistry fns;
    sim::NodeShared shared;
    runtime::LiveEnv env;
    sim::Node master;
    std::optional<transport::UnixListener> listener;
    std::size_t clients = 0;
    std::vector<std::string> errors;

    State(ListenerOptions o, runtime::LiveOptions live)
        : opt(std::move(o)),
          source(opt.module_dirs, opt.stdlib_dirs),
          loaded(source),
          catalog(source, loaded),
          fns(functions()),
          shared(make_shared(catalog, fns)),
          env(std::move(live)),
          master(env, shared, sim::NodeConfig{0, {}}) {}

    static sim::NodeShared make_shared(sim::ModuleCatalog& cat, const sim::FunctionRegistry& f) {
        sim::NodeShared s;
        s.modules = &cat;
        s.functions = &f;
        return s;
    }

    // The server side of the handshake, in the reference's order: the client's
    // pid first, then an ID, so a client that fails the handshake costs no ID.
    void accept_one() {
        transport::Fd c(::accept4(listener->fd(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!c) {
            errors.push_back("accept " + listener->path() + ": " + std::strerror(errno));
            return;
        }
        const auto deadline = runtime::Clock::now() + opt.handshake_timeout;
        auto pid = transport::read_exact(c.get(), 4, deadline);
        if (!pid) {
            errors.push_back("failed to read remote identity: " + pid.error().message);
            return;
        }
        std::optional<sim::ContextId> id;
        master.allocate_id([&](std::optional<sim::ContextId> v) { id = v; });
        if (!id) {
            errors.push_back("no context ID for a new client");
            return;
        }
        std::array<std::uint8_t, 12> hello{};
        put_be32(hello.data(), *id);
        put_be32(hello.data() + 4, master.id());
        put_be32(hello.data() + 8, static_cast<std::uint32_t>(::getpid()));
        if (auto st = transport::write_all(c.get(), hello, deadline); !st) {
            errors.push_back("failed to assign identity: " + st.error().message);
            return;
        }
        const std::uint32_t client_pid = get_be32(pid->data());
        auto s = env.adopt(master, std::move(c), *id, "unix_client." + std::to_string(client_pid), master.id());
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
    // The target's _proxy_connect boots real Python grandchildren: they need core.py.
    runtime::LiveOptions live;
    auto core = transport::read_installed_core_source();
    if (!core) return Error{core.error().code, "cannot read mitogen core source: " + core.error().message, 0};
    live.core_source = std::move(*core);
    auto st = std::make_unique<State>(std::move(opt), std::move(live));
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
