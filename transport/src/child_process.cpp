#include "mitokit/transport/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace mitokit::transport {
namespace {

Error sys_error(const std::string& what) { return make_error(Errc::io, what + ": " + std::strerror(errno)); }

int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st); }

} // namespace

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, const SpawnOptions& opt) {
    if (argv.empty()) return make_error(Errc::usage, "spawn: empty argv");
    // Parent-side fds are close-on-exec; the child's are dup2'd onto 0/1/2.
    Fd child_in, child_out, parent_in, parent_out, child_err, parent_err;
    if (opt.link == LinkKind::socketpair) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return sys_error("socketpair");
        parent_in = Fd(sv[0]);
        child_in = Fd(sv[1]);
    } else {
        int to_child[2], from_child[2];
        if (::pipe2(to_child, O_CLOEXEC) < 0) return sys_error("pipe");
        child_in = Fd(to_child[0]);
        parent_out = Fd(to_child[1]);
        if (::pipe2(from_child, O_CLOEXEC) < 0) return sys_error("pipe");
        parent_in = Fd(from_child[0]);
        child_out = Fd(from_child[1]);
    }
    if (opt.pipe_stderr) {
        int e[2];
        if (::pipe2(e, O_CLOEXEC) < 0) return sys_error("pipe");
        parent_err = Fd(e[0]);
        child_err = Fd(e[1]);
    }

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, child_in.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, child_out ? child_out.get() : child_in.get(), 1);
    if (child_err) posix_spawn_file_actions_adddup2(&fa, child_err.get(), 2);

    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return sys_error("spawn " + argv[0]);
    }
    ChildProcess c;
    c.pid_ = pid;
    c.in_ = std::move(parent_in);
    c.out_ = std::move(parent_out);
    c.err_ = std::move(parent_err);
    return c;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), status_(o.status_), in_(std::move(o.in_)), out_(std::move(o.out_)),
      err_(std::move(o.err_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        kill_and_reap();
        pid_ = std::exchange(o.pid_, -1);
        status_ = o.status_;
        in_ = std::move(o.in_);
        out_ = std::move(o.out_);
        err_ = std::move(o.err_);
    }
    return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::kill_and_reap() noexcept {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {}
    status_ = decode_status(st);
}

void ChildProcess::kill(int sig) noexcept {
    if (running()) ::kill(pid_, sig);
}

Result<std::optional<int>> ChildProcess::wait(Deadline deadline) {
    if (status_) return status_;
    if (pid_ <= 0) return make_error(Errc::io, "wait: no child");
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = decode_status(st);
            return status_;
        }
        if (r < 0 && errno != EINTR) return sys_error("waitpid " + std::to_string(pid_));
        if (Clock::now() >= deadline) return std::optional<int>{};
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

} // namespace mitokit::transport
