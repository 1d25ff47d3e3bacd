#include "mitokit/transport/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mitokit::transport {
namespace {

Error sys_error(const char* what, int fd) {
    return make_error(Errc::io, std::string(what) + " on fd " + std::to_string(fd) + ": " + std::strerror(errno));
}

// Waits until fd is ready for `events`; false on timeout.
Result<bool> wait_for(int fd, short events, Deadline deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1 << 30)));
        if (rc > 0) return true;
        if (rc < 0 && errno != EINTR) return sys_error("poll", fd);
    }
}

// Clears O_NONBLOCK again on scope exit if it set it.
class NonBlockingScope {
public:
    explicit NonBlockingScope(int fd) : fd_(fd) {
        const int fl = ::fcntl(fd, F_GETFL);
        if (fl < 0) { err_ = errno; return; }
        if (fl & O_NONBLOCK) return;
        if (::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) { err_ = errno; return; }
        restore_ = fl;
    }
    ~NonBlockingScope() {
        if (restore_ >= 0) ::fcntl(fd_, F_SETFL, restore_);
    }
    NonBlockingScope(const NonBlockingScope&) = delete;
    NonBlockingScope& operator=(const NonBlockingScope&) = delete;
    int error() const { return err_; }

private:
    int fd_;
    int restore_ = -1;
    int err_ = 0;
};

} // namespace

void Fd::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Status write_all(int fd, std::span<const std::uint8_t> bytes, Deadline deadline) {
    // A blocking write() of more than the buffer has room for would sleep past
    // the deadline: poll only promises some room.
    NonBlockingScope nb(fd);
    if (nb.error() != 0) {
        errno = nb.error();
        return sys_error("fcntl(O_NONBLOCK)", fd);
    }
    const std::size_t total = bytes.size();
    while (!bytes.empty()) {
        auto ready = wait_for(fd, POLLOUT, deadline);
        if (!ready) return std::move(ready).error();
        if (!*ready)
            return make_error(Errc::io, "timed out writing to fd " + std::to_string(fd) + " (" +
                                            std::to_string(total - bytes.size()) + " of " + std::to_string(total) +
                                            " bytes written)");
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return sys_error("write", fd);
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

Result<std::vector<std::uint8_t>> read_some(int fd, std::size_t max, Deadline deadline) {
    for (;;) {
        auto ready = wait_for(fd, POLLIN, deadline);
        if (!ready) return std::move(ready).error();
        if (!*ready) return make_error(Errc::io, "timed out reading from fd " + std::to_string(fd));
        std::vector<std::uint8_t> buf(max);
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return sys_error("read", fd);
        }
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
}

Result<std::vector<std::uint8_t>> read_exact(int fd, std::size_t n, Deadline deadline) {
    std::vector<std::uint8_t> out;
    while (out.size() < n) {
        auto got = read_some(fd, n - out.size(), deadline);
        if (!got) return std::move(got).error();
        if (got->empty())
            return make_error(Errc::io, "end of file on fd " + std::to_string(fd) + " after " +
                                            std::to_string(out.size()) + " of " + std::to_string(n) + " bytes");
        out.insert(out.end(), got->begin(), got->end());
    }
    return out;
}

Status set_nonblocking(int fd, bool on) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK)) < 0)
        return sys_error("fcntl(O_NONBLOCK)", fd);
    return {};
}

Status set_cloexec(int fd, bool on) {
    const int fl = ::fcntl(fd, F_GETFD);
    if (fl < 0 || ::fcntl(fd, F_SETFD, on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC)) < 0)
        return sys_error("fcntl(FD_CLOEXEC)", fd);
    return {};
}

} // namespace mitokit::transport
