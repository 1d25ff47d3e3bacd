// The UNIX-socket listener handshake of mitogen.unix (protocol-notes §7):
//   client -> server  4 bytes  >L  client pid
//   server -> client 12 bytes  >LLL (assigned context id, listener context id, listener pid)
// then frames both ways. Both sides are here so the conformance suite can join a
// real mitogen listener and let a real mitogen client join ours.
#pragma once

#include <cstdint>
#include <string>

#include "mitokit/result.hpp"
#include "mitokit/transport/fd.hpp"

namespace mitokit::transport {

struct UnixHello {
    std::uint32_t context_id = 0;   // what the listener assigned to the client
    std::uint32_t listener_id = 0;  // the listener's own context id
    std::uint32_t listener_pid = 0;
};

struct UnixConnection {
    Fd fd;
    UnixHello hello;
};

// Connects to a listener and runs the client side of the handshake.
Result<UnixConnection> unix_connect(const std::string& path, std::uint32_t my_pid, Deadline deadline);

class UnixListener {
public:
    // A stale socket file (nobody listening) is removed first, as the reference does;
    // the path is chmod 0600 and unlinked again when the listener is destroyed.
    static Result<UnixListener> listen(const std::string& path, int backlog = 100);
    UnixListener(UnixListener&&) noexcept = default;
    UnixListener& operator=(UnixListener&&) noexcept = default;
    ~UnixListener();

    const std::string& path() const noexcept { return path_; }
    int fd() const noexcept { return fd_.get(); }

    // Accepts one client and runs the server side: reads its pid, sends the hello.
    // Returns the connection and the client's pid.
    Result<std::pair<Fd, std::uint32_t>> accept(const UnixHello& hello, Deadline deadline);

private:
    UnixListener() = default;
    Fd fd_;
    std::string path_;
};

} // namespace mitokit::transport
