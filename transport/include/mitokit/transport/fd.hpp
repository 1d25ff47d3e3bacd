// RAII file descriptors and the few blocking-with-deadline helpers the real
// transports need. Errors are Result<> like libproto's, with Errc::io.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit::transport {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) { reset(); fd_ = std::exchange(o.fd_, -1); }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept;

private:
    int fd_ = -1;
};

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// Writes all of `bytes` before the deadline.
Status write_all(int fd, std::span<const std::uint8_t> bytes, Deadline deadline);
// Reads whatever is available (at most max bytes) once the fd is readable, before
// the deadline. An empty result means end of file.
Result<std::vector<std::uint8_t>> read_some(int fd, std::size_t max, Deadline deadline);
// Reads exactly n bytes before the deadline (end of file first is an error).
Result<std::vector<std::uint8_t>> read_exact(int fd, std::size_t n, Deadline deadline);

Status set_nonblocking(int fd, bool on);
Status set_cloexec(int fd, bool on);

} // namespace mitokit::transport
