#include "mitokit/transport/unix_socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>

namespace mitokit::transport {
namespace {

using namespace std::chrono_literals;

std::string temp_socket_path() {
    return "/tmp/mitokit-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(Clock::now().time_since_epoch().count() % 1000000) + ".sock";
}

TEST(UnixSocket, ClientAndListenerHandshake) {
    const auto path = temp_socket_path();
    auto l = UnixListener::listen(path);
    ASSERT_TRUE(l) << l.error().message;
    struct stat st{};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    Result<UnixConnection> client = make_error(Errc::io, "not run");
    std::thread t([&] { client = unix_connect(path, 4242, Clock::now() + 5s); });
    auto acc = l->accept(UnixHello{7, 0, 99}, Clock::now() + 5s);
    t.join();
    ASSERT_TRUE(acc) << acc.error().message;
    EXPECT_EQ(acc->second, 4242u);
    ASSERT_TRUE(client) << client.error().message;
    EXPECT_EQ(client->hello.context_id, 7u);
    EXPECT_EQ(client->hello.listener_id, 0u);
    EXPECT_EQ(client->hello.listener_pid, 99u);
}

TEST(UnixSocket, ListenerRemovesStaleSocketAndUnlinksOnExit) {
    const auto path = temp_socket_path();
    { auto l = UnixListener::listen(path); ASSERT_TRUE(l); }
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "socket file left behind";
    // A stale socket: bound, then closed without unlinking (a crashed listener).
    {
        Fd s(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
        ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    }
    ASSERT_EQ(::access(path.c_str(), F_OK), 0);
    auto l2 = UnixListener::listen(path);
    ASSERT_TRUE(l2) << l2.error().message;
}

TEST(UnixSocket, ListenerLeavesAFileOrDirectoryAtThePathAlone) {
    const auto path = temp_socket_path();
    {
        std::FILE* f = std::fopen(path.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("data\n", f);
        std::fclose(f);
    }
    auto l = UnixListener::listen(path);
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().message.find("'" + path + "' exists and is not a socket"), std::string::npos)
        << l.error().message;
    EXPECT_EQ(::access(path.c_str(), F_OK), 0) << "the file was removed";
    ::unlink(path.c_str());

    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    auto d = UnixListener::listen(path);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("'" + path + "' is a directory"), std::string::npos) << d.error().message;
    ::rmdir(path.c_str());
}

TEST(UnixSocket, ConnectErrorsNameThePath) {
    auto c = unix_connect("/nonexistent/dir/x.sock", 1, Clock::now() + 1s);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("/nonexistent/dir/x.sock"), std::string::npos);
    auto long_path = unix_connect(std::string(200, 'a'), 1, Clock::now() + 1s);
    ASSERT_FALSE(long_path);
    EXPECT_EQ(long_path.error().code, Errc::usage);
}

TEST(UnixSocket, JoinsRealMitogenListener) {
    // A real master with a mitogen.unix.Listener; it prints its socket path and pid.
    const std::string script =
        "import mitogen.master, mitogen.unix, os, sys, time\n"
        "b = mitogen.master.Broker(); r = mitogen.master.Router(b)\n"
        "l = mitogen.unix.Listener.build_stream(r)\n"
        "print(l.protocol.path, os.getpid(), flush=True)\n"
        "time.sleep(10)\n";
    char sp[] = "/tmp/mitokit-unix-master-XXXXXX";
    const int fd = mkstemp(sp);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, script.data(), script.size()), static_cast<ssize_t>(script.size()));
    ::close(fd);
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen((std::string(MITOKIT_PYTHON) + " " + sp).c_str(), "r"), pclose);
    ASSERT_TRUE(p);
    char line[512] = {};
    ASSERT_TRUE(std::fgets(line, sizeof line, p.get()));
    ::unlink(sp);
    char path[400] = {};
    unsigned pid = 0;
    ASSERT_EQ(std::sscanf(line, "%399s %u", path, &pid), 2) << line;
    auto c = unix_connect(path, static_cast<std::uint32_t>(::getpid()), Clock::now() + 10s);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->hello.context_id, 1u); // the master's first allocated id
    EXPECT_EQ(c->hello.listener_id, 0u);
    EXPECT_EQ(c->hello.listener_pid, pid);
    ::kill(static_cast<pid_t>(pid), SIGTERM);
}

} // namespace
} // namespace mitokit::transport
