// The whole live suite in one process: our C++ listener served on a thread,
// the suite as its client. The same suite runs against real mitogen in
// tests/live_conform.py.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "mitokit/conformance/listener.hpp"
#include "mitokit/conformance/module_plan.hpp"
#include "mitokit/conformance/suite.hpp"
#include "mitokit/conformance/wire_client.hpp"

namespace mitokit::conformance {
namespace {

using namespace std::chrono_literals;

std::string temp_socket(const char* tag) {
    return "/tmp/mitokit-conf-" + std::string(tag) + "-" + std::to_string(::getpid()) + ".sock";
}

struct Served {
    std::unique_ptr<CppListener> l;
    std::atomic<bool> stop{false};
    std::thread t;
    explicit Served(const std::string& path) {
        ListenerOptions o;
        o.socket_path = path;
        o.module_dirs = {std::string(MITOKIT_CONFORMANCE_DIR) + "/python", "/usr/lib/python3/dist-packages"};
        auto r = CppListener::start(o);
        if (!r) throw std::runtime_error(r.error().message);
        l = std::move(*r);
        // Short slices: the loop's poll() cannot see `stop` change.
        t = std::thread([this] {
            while (!stop) l->run_until([this] { return stop.load(); }, runtime::Clock::now() + 50ms);
        });
    }
    ~Served() {
        stop = true;
        t.join();
    }
};

TEST(Suite, EveryCasePassesAgainstTheCppListener) {
    const auto path = temp_socket("suite");
    {
        Served s(path);
        SuiteOptions o;
        o.socket_path = path;
        o.modules_dir = std::string(MITOKIT_CONFORMANCE_DIR) + "/python";
        o.reply_timeout = 10s;
        o.silence = 200ms;
        auto r = run_suite(o);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->size(), suite_case_names().size());
        EXPECT_GE(r->size(), 20u);
        for (const auto& c : *r) EXPECT_TRUE(c.pass) << c.name << ": expected " << c.expected << ", got " << c.got;
        EXPECT_EQ(s.l->clients(), 7u); // main, second, two around the failed handshake, client-to-client, bad magic, oversize
    }
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "socket left behind";
}

TEST(Suite, CasesCanFail) {
    // A target that does not exist: every call is a dead "no route" instead.
    const auto path = temp_socket("fail");
    Served s(path);
    SuiteOptions o;
    o.socket_path = path;
    o.modules_dir = std::string(MITOKIT_CONFORMANCE_DIR) + "/python";
    o.target = 9;
    o.silence = 100ms;
    o.only = {"call.echo.int", "call.raises"};
    auto r = run_suite(o);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 2u);
    for (const auto& c : *r) {
        EXPECT_FALSE(c.pass) << c.name;
        EXPECT_EQ(c.got, "dead: no route to 9, my ID is 0");
    }
    // A wrong module folder: our own plan no longer matches what is served.
    o.target = 1;
    o.modules_dir = "/nonexistent";
    o.only = {"module.package_sequence"};
    r = run_suite(o);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_FALSE((*r)[0].pass);
    EXPECT_EQ((*r)[0].expected, "mitokit_conform_pkg negative");
}

TEST(Suite, NoListenerIsAnError) {
    SuiteOptions o;
    o.socket_path = temp_socket("absent");
    auto r = run_suite(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "connect " + o.socket_path + ": No such file or directory");
}

TEST(ModulePlan, SequenceAndDuplicates) {
    ModulePlan p({std::string(MITOKIT_CONFORMANCE_DIR) + "/python"});
    auto a = p.plan("mitokit_conform_pkg");
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].rfind("mitokit_conform_pkg.util related[mitokit_conform_pkg] source:", 0), 0u) << a[0];
    EXPECT_EQ(a[1].rfind("mitokit_conform_pkg pkg[deep,sub,util] related[mitokit_conform_pkg.util] source:", 0), 0u)
        << a[1];
    EXPECT_TRUE(p.plan("mitokit_conform_pkg").empty()); // already sent on this stream
    EXPECT_EQ(p.plan("json"), std::vector<std::string>{"json negative"});
    auto sub = p.plan("mitokit_conform_pkg.sub");
    ASSERT_EQ(sub.size(), 3u); // deep, deep.thing, sub: the top-level 'other' is not pushed
    EXPECT_EQ(sub[2].rfind("mitokit_conform_pkg.sub ", 0), 0u);
}

TEST(WireClient, SilenceAndClose) {
    const auto path = temp_socket("wire");
    Served s(path);
    auto c = WireClient::connect(path, Clock::now() + 5s);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ((*c)->id(), 2u);
    auto none = (*c)->wait_reply(1000, Clock::now() + 50ms);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    std::vector<std::uint8_t> bad(26, 0);
    ASSERT_TRUE((*c)->send_raw(bad, Clock::now() + 1s));
    EXPECT_TRUE((*c)->wait_closed(Clock::now() + 5s));
    auto after = (*c)->wait_reply(1000, Clock::now() + 50ms);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().message, "the peer closed the connection");
    auto send = (*c)->send_raw(bad, Clock::now() + 1s);
    ASSERT_FALSE(send);
}

} // namespace
} // namespace mitokit::conformance
