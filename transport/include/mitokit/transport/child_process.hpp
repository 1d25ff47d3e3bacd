// A child process whose stdin/stdout are the parent's link to it: one socketpair
// end (the reference's default) or a pair of pipes (as mitogen uses under SELinux
// with privilege escalation). The destructor kills and reaps a child that is still
// running, so no process is left behind whatever path the caller takes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "mitokit/result.hpp"
#include "mitokit/transport/fd.hpp"

namespace mitokit::transport {

enum class LinkKind : std::uint8_t { socketpair, pipes };

struct SpawnOptions {
    LinkKind link = LinkKind::socketpair;
    bool pipe_stderr = false; // else the child inherits ours
};

class ChildProcess {
public:
    static Result<ChildProcess> spawn(const std::vector<std::string>& argv, const SpawnOptions& opt = {});

    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ~ChildProcess();

    pid_t pid() const noexcept { return pid_; }
    int read_fd() const noexcept { return in_.get(); }   // child's stdout
    int write_fd() const noexcept { return out_ ? out_.get() : in_.get(); } // child's stdin
    int stderr_fd() const noexcept { return err_.get(); }
    void close_link() noexcept { in_.reset(); out_.reset(); }

    // Exit status (negative: killed by that signal) once the child has exited;
    // std::nullopt if it is still running at the deadline.
    Result<std::optional<int>> wait(Deadline deadline);
    void kill(int sig) noexcept;
    bool running() const noexcept { return pid_ > 0 && !status_; }

private:
    ChildProcess() = default;
    void kill_and_reap() noexcept;
    pid_t pid_ = -1;
    std::optional<int> status_;
    Fd in_, out_, err_;
};

} // namespace mitokit::transport
