#include "mitokit/transport/boot.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::transport {
namespace {

using namespace std::chrono_literals;

struct Inbox final : StreamHandler {
    std::vector<std::pair<Header, std::vector<std::uint8_t>>> msgs;
    void on_message(const MessageView& m) override { msgs.emplace_back(m.header, std::vector<std::uint8_t>(m.payload.begin(), m.payload.end())); }
};

// CALL_FUNCTION (None, 'posix', None, 'getpid', (), Kwargs({})) from the master to
// context 1, reply to handle 1000: the memo-free form a foreign parent may send.
std::vector<std::uint8_t> getpid_call() {
    const std::uint8_t data[] = {0x80, 0x02, 0x28, 0x4e, 0x58, 0x05, 0, 0, 0, 'p', 'o', 's', 'i', 'x', 0x4e, 0x58, 0x06, 0, 0, 0,
                                 'g', 'e', 't', 'p', 'i', 'd', 0x29, 0x63, 'm', 'i', 't', 'o', 'g', 'e', 'n', '.', 'c', 'o',
                                 'r', 'e', '\n', 'K', 'w', 'a', 'r', 'g', 's', '\n', 0x7d, 0x85, 0x52, 0x74, 0x2e};
    return encode_frame(Header{Encoding::legacy, 1, 0, 0, handle::CALL_FUNCTION, 1000, 0}, data);
}

BootOptions options(LinkKind link) {
    BootOptions o;
    o.python = MITOKIT_PYTHON;
    auto core = read_installed_core_source();
    EXPECT_TRUE(core) << core.error().message;
    if (core) o.core_source = *core;
    o.link = link;
    o.timeout = 20s;
    return o;
}

class BootLink : public ::testing::TestWithParam<LinkKind> {};

TEST_P(BootLink, RealChildAnswersCallAndShutsDown) {
    auto child = boot_python_child(options(GetParam()));
    ASSERT_TRUE(child) << child.error().message;
    const auto deadline = Clock::now() + 20s;
    ASSERT_TRUE(write_all(child->process.write_fd(), getpid_call(), deadline));

    Inbox inbox;
    StreamOptions so;
    so.start = StreamStart::frames;
    StreamDecoder dec(inbox, so);
    ASSERT_TRUE(dec.feed(child->leftover));
    const std::pair<Header, std::vector<std::uint8_t>>* reply = nullptr;
    while (!reply) {
        auto chunk = read_some(child->process.read_fd(), 65536, deadline);
        ASSERT_TRUE(chunk) << chunk.error().message;
        ASSERT_FALSE(chunk->empty()) << "child closed the link before replying";
        ASSERT_TRUE(dec.feed(*chunk));
        for (const auto& m : inbox.msgs)
            if (m.first.handle == 1000) reply = &m;
    }
    EXPECT_EQ(reply->first.src_id, 1u);
    EXPECT_EQ(reply->first.dst_id, 0u);
    pickle::Document doc;
    ASSERT_TRUE(pickle::decode(reply->second, doc));
    ASSERT_EQ(doc[doc.root()].kind, pickle::Kind::integer);
    // The first stage's original process re-execs the interpreter, so the pid is the spawned one.
    EXPECT_EQ(doc[doc.root()].i, child->process.pid());

    const auto bye = encode_frame(Header{Encoding::legacy, 1, 0, 0, handle::SHUTDOWN, 0, 0}, {});
    ASSERT_TRUE(write_all(child->process.write_fd(), bye, deadline));
    auto st = child->process.wait(Clock::now() + 20s);
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->has_value()) << "child still running after SHUTDOWN";
    EXPECT_EQ(**st, -SIGTERM); // the child SIGTERMs itself on broker exit
}

INSTANTIATE_TEST_SUITE_P(Links, BootLink, ::testing::Values(LinkKind::socketpair, LinkKind::pipes));

std::string fake_python(const std::string& body) {
    char path[] = "/tmp/mitokit-fake-python-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path, 0700);
    return path;
}

TEST(Boot, ChildThatExitsIsReportedWithItsStatus) {
    auto o = options(LinkKind::socketpair);
    o.python = fake_python("exit 3");
    auto child = boot_python_child(o);
    ::unlink(o.python.c_str());
    ASSERT_FALSE(child);
    EXPECT_NE(child.error().message.find("status 3"), std::string::npos) << child.error().message;
    EXPECT_NE(child.error().message.find("before MITO000"), std::string::npos) << child.error().message;
}

TEST(Boot, SilentChildTimesOut) {
    auto o = options(LinkKind::pipes);
    o.python = fake_python("exec sleep 30");
    o.timeout = 300ms;
    const auto t0 = Clock::now();
    auto child = boot_python_child(o);
    ::unlink(o.python.c_str());
    ASSERT_FALSE(child);
    EXPECT_NE(child.error().message.find("no MITO000"), std::string::npos) << child.error().message;
    EXPECT_LT(Clock::now() - t0, 10s); // the sleeping child was killed, not waited for
}

TEST(Boot, NoiseLinesBeforeMarkersAreKept) {
    auto o = options(LinkKind::socketpair);
    const std::string real = o.python;
    o.python = fake_python("echo 'Warning: banner line'\nexec " + real + " \"$@\"");
    auto child = boot_python_child(o);
    ::unlink(o.python.c_str());
    ASSERT_TRUE(child) << child.error().message;
    ASSERT_EQ(child->noise.size(), 1u);
    EXPECT_EQ(child->noise[0].rfind("Warning: banner line", 0), 0u);
}

} // namespace
} // namespace mitokit::transport
