#include "mitokit/transport/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <string>
#include <vector>

namespace mitokit::transport {
namespace {

using namespace std::chrono_literals;

// The peer never reads: a blocking write() of more than the socket buffer holds
// would sleep forever, so write_all must still end at its deadline.
TEST(Fd, WriteAllToAPeerThatNeverReadsTimesOut) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    Fd writer(sv[0]), reader(sv[1]);
    const std::vector<std::uint8_t> big(8 << 20, 'x');
    auto done = std::async(std::launch::async, [&] { return write_all(writer.get(), big, Clock::now() + 50ms); });
    // Only a guard so a regression fails instead of hanging: shutting the reader
    // down wakes a blocked write().
    if (done.wait_for(60s) != std::future_status::ready) {
        ::shutdown(reader.get(), SHUT_RDWR);
        FAIL() << "write_all blocked past its deadline";
    }
    const auto st = done.get();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::io);
    EXPECT_NE(st.error().message.find("timed out writing to fd " + std::to_string(writer.get())), std::string::npos)
        << st.error().message;
    // The fd is left blocking, as the caller made it.
    EXPECT_EQ(::fcntl(writer.get(), F_GETFL) & O_NONBLOCK, 0);
}

} // namespace
} // namespace mitokit::transport
