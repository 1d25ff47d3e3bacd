// The --pcap capture opens in tshark as one TCP conversation per link, with
// sequence numbers Wireshark accepts (no analysis flags) and the frames in order.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "mitokit/sim/pcap.hpp"

namespace {

std::string run(const std::string& cmd, int* status = nullptr) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int st = pclose(p);
    if (status) *status = st;
    return out;
}

class Pcap : public ::testing::Test {
protected:
    void SetUp() override {
        if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
        path_ = ::testing::TempDir() + "/mitokit_sim_test_" + std::to_string(getpid()) + ".pcapng";
        int st = 0;
        run(std::string(MITOKIT_SIM_EXE) + " simulate --levels 3,2 --modules synthetic --seed 9 --pcap " + path_ +
                " >/dev/null",
            &st);
        ASSERT_EQ(st, 0);
    }
    void TearDown() override { std::remove(path_.c_str()); }
    std::string path_;
};

TEST_F(Pcap, EveryLinkIsATcpConversationWiresharkAccepts) {
    int st = 0;
    const std::string conv = run("tshark -r " + path_ + " -q -z conv,tcp 2>/dev/null", &st);
    ASSERT_EQ(st, 0) << conv;
    std::size_t conversations = 0;
    for (std::size_t pos = 0; (pos = conv.find("<->", pos)) != std::string::npos; ++pos) ++conversations;
    EXPECT_EQ(conversations, 9u) << "3 + 3x2 links\n" << conv;
    const std::string flags = run("tshark -r " + path_ + " -Y tcp.analysis.flags 2>/dev/null");
    EXPECT_TRUE(flags.empty()) << "sequence problems:\n" << flags;
}

TEST_F(Pcap, ReassembledStreamStartsWithAFrame) {
    const std::string raw = run("tshark -r " + path_ + " -q -z follow,tcp,raw,0 2>/dev/null");
    const auto at = raw.find("4d49");
    ASSERT_NE(at, std::string::npos) << raw.substr(0, 400);
    // The first payload line of the follow output is the master's first frame:
    // MI, dst 1, src 0, auth 0, CALL_FUNCTION (0x65).
    EXPECT_EQ(raw.substr(at, 36), "4d4900000001000000000000000000000065");
}

TEST(PcapWriter, UnwritableFileIsAnError) {
    auto w = mitokit::sim::PcapWriter::open_file("/nonexistent-dir/x.pcapng");
    ASSERT_FALSE(w);
    EXPECT_NE(w.error().message.find("cannot create capture file '/nonexistent-dir/x.pcapng'"), std::string::npos);
}

} // namespace
