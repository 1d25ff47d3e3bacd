#include "mitokit/transport/unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace mitokit::transport {
namespace {

Error sys_error(const std::string& what) { return make_error(Errc::io, what + ": " + std::strerror(errno)); }

Result<sockaddr_un> address(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path)
        return make_error(Errc::usage, "UNIX socket path '" + path + "' is empty or longer than " +
                                           std::to_string(sizeof sa.sun_path - 1) + " bytes");
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    return sa;
}

void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = std::uint8_t(v >> 24); p[1] = std::uint8_t(v >> 16); p[2] = std::uint8_t(v >> 8); p[3] = std::uint8_t(v);
}
std::uint32_t get_be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

// Removes a stale socket at path: one nobody accepts on. Anything else there
// (a file, a directory) is the user's, never removed.
Status remove_stale_socket(const std::string& path, const sockaddr_un& sa) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) < 0) return errno == ENOENT ? Status{} : sys_error("lstat " + path);
    if (S_ISDIR(st.st_mode)) return make_error(Errc::io, "UNIX socket path '" + path + "' is a directory");
    if (!S_ISSOCK(st.st_mode))
        return make_error(Errc::io, "UNIX socket path '" + path + "' exists and is not a socket");
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0 &&
        errno == ECONNREFUSED)
        ::unlink(path.c_str());
    return {};
}

} // namespace

Result<UnixConnection> unix_connect(const std::string& path, std::uint32_t my_pid, Deadline deadline) {
    auto sa = address(path);
    if (!sa) return std::move(sa).error();
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return sys_error("socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa) < 0)
        return sys_error("connect " + path);
    std::array<std::uint8_t, 4> pid{};
    put_be32(pid.data(), my_pid);
    if (auto st = write_all(fd.get(), pid, deadline); !st) return std::move(st).error();
    auto hello = read_exact(fd.get(), 12, deadline);
    if (!hello) return make_error(Errc::io, "handshake with " + path + ": " + hello.error().message);
    UnixConnection c{std::move(fd), {get_be32(hello->data()), get_be32(hello->data() + 4), get_be32(hello->data() + 8)}};
    return c;
}

Result<UnixListener> UnixListener::listen(const std::string& path, int backlog) {
    auto sa = address(path);
    if (!sa) return std::move(sa).error();
    if (auto st = remove_stale_socket(path, *sa); !st) return std::move(st).error();
    UnixListener l;
    l.fd_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!l.fd_) return sys_error("socket");
    if (::bind(l.fd_.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa) < 0) return sys_error("bind " + path);
    l.path_ = path;
    if (::chmod(path.c_str(), 0600) < 0) return sys_error("chmod " + path);
    if (::listen(l.fd_.get(), backlog) < 0) return sys_error("listen " + path);
    return l;
}

UnixListener::~UnixListener() {
    if (fd_ && !path_.empty()) ::unlink(path_.c_str());
}

Result<std::pair<Fd, std::uint32_t>> UnixListener::accept(const UnixHello& hello, Deadline deadline) {
    pollfd p{fd_.get(), POLLIN, 0};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return make_error(Errc::io, "no client connected to " + path_ + " in time");
        const int rc = ::poll(&p, 1, static_cast<int>(left));
        if (rc > 0) break;
        if (rc < 0 && errno != EINTR) return sys_error("poll " + path_);
    }
    Fd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return sys_error("accept " + path_);
    auto pid = read_exact(c.get(), 4, deadline);
    if (!pid) return make_error(Errc::io, "failed to read remote identity: " + pid.error().message);
    std::array<std::uint8_t, 12> out{};
    put_be32(out.data(), hello.context_id);
    put_be32(out.data() + 4, hello.listener_id);
    put_be32(out.data() + 8, hello.listener_pid);
    if (auto st = write_all(c.get(), out, deadline); !st) return std::move(st).error();
    return std::pair<Fd, std::uint32_t>{std::move(c), get_be32(pid->data())};
}

} // namespace mitokit::transport
