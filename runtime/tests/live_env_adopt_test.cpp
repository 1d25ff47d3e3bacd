// LiveEnv::adopt (an already-connected fd as a stream), watch (extra fds in the
// loop) and the frame taps.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mitokit/payloads.hpp"
#include "mitokit/runtime/live_env.hpp"
#include "mitokit/transport/fd.hpp"

namespace mitokit::runtime {
namespace {

TEST(LiveEnvAdopt, EmptyFdIsAnError) {
    LiveEnv env{LiveOptions{}};
    sim::NodeShared shared;
    sim::Node n(env, shared, sim::NodeConfig{0, {}});
    auto s = env.adopt(n, transport::Fd(), 5, "x");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::usage);
    EXPECT_EQ(s.error().message, "context 5: no connection to adopt");
}

TEST(LiveEnvAdopt, FramesBothWaysThroughTheTaps) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    transport::Fd far(sv[1]);
    LiveEnv env{LiveOptions{}};
    sim::NodeShared shared;
    sim::Node child(env, shared, sim::NodeConfig{7, {0}});
    auto s = env.adopt(child, transport::Fd(sv[0]), 0, "parent");
    ASSERT_TRUE(s) << s.error().message;
    child.attach_parent(*s);
    std::vector<std::uint32_t> out_handles, in_handles;
    env.on_frame_out = [&](const sim::Node&, sim::StreamId, const Header& h, std::span<const std::uint8_t>) {
        out_handles.push_back(h.handle);
    };
    env.on_frame_in = [&](const sim::Node&, sim::StreamId, const MessageView& m) { in_handles.push_back(m.header.handle); };
    child.log("t", 30, "hi");
    env.run_until([&] { return !out_handles.empty(); }, Clock::now() + milliseconds(2000));
    ASSERT_EQ(out_handles, std::vector<std::uint32_t>{handle::FORWARD_LOG});
    std::vector<std::uint8_t> got(256);
    const ssize_t n = ::read(far.get(), got.data(), got.size());
    ASSERT_GT(n, static_cast<ssize_t>(HEADER_SIZE));
    // A frame from the far end reaches the node through the tap: an unknown
    // handle with reply_to set earns a dead reply back.
    Header h;
    h.dst_id = 7;
    h.handle = 4242;
    h.reply_to = 1000;
    const auto frame = encode_frame(h, {});
    ASSERT_EQ(::write(far.get(), frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    env.run_until([&] { return out_handles.size() >= 2; }, Clock::now() + milliseconds(2000));
    EXPECT_EQ(in_handles, std::vector<std::uint32_t>{4242});
    ASSERT_EQ(out_handles.size(), 2u);
    EXPECT_EQ(out_handles[1], 1000u);
}

TEST(LiveEnvAdopt, WatchedFdCallsBack) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    transport::Fd r(p[0]), w(p[1]);
    LiveEnv env{LiveOptions{}};
    int calls = 0;
    env.watch(r.get(), [&] {
        char c;
        if (::read(r.get(), &c, 1) == 1) ++calls;
    });
    ASSERT_EQ(::write(w.get(), "ab", 2), 2);
    EXPECT_TRUE(env.run_until([&] { return calls == 2; }, Clock::now() + milliseconds(2000)));
    env.unwatch(r.get());
    ASSERT_EQ(::write(w.get(), "c", 1), 1);
    env.run_for(milliseconds(50));
    EXPECT_EQ(calls, 2);
}

} // namespace
} // namespace mitokit::runtime
