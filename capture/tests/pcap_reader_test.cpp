#include "mitokit/capture/pcap_reader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "packet_builder.hpp"

namespace mitokit::capture {
namespace {

using namespace testing;

struct Collector : CaptureHandler {
    std::map<std::string, std::string> streams; // direction name -> bytes
    std::vector<std::string> conversations;
    std::vector<Error> gaps, errors;
    std::vector<std::pair<std::uint64_t, Error>> packet_errors;

    void on_open(const Conversation& c) override { conversations.push_back(conversation_name(c)); }
    void on_data(const Conversation& c, Direction d, std::uint64_t, std::span<const std::uint8_t> b) override {
        streams[direction_name(c, d)].append(b.begin(), b.end());
    }
    void on_gap(const Conversation&, Direction, const Error& e) override { gaps.push_back(e); }
    void on_error(const Error& e) override { errors.push_back(e); }
    void on_packet_error(std::uint64_t n, const Error& e) override { packet_errors.emplace_back(n, e); }
};

Buf seg(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint8_t flags, std::string payload) {
    Tcp t;
    t.sport = sport; t.dport = dport; t.seq = seq; t.flags = flags; t.payload = std::move(payload);
    return ethernet(ipv4(tcp_bytes(t)));
}

std::vector<Buf> small_conversation() {
    return {seg(1111, 2222, 10, 0x02, ""), seg(2222, 1111, 50, 0x12, ""), seg(1111, 2222, 11, 0x18, "MITO"),
            seg(2222, 1111, 51, 0x18, "pong"), seg(1111, 2222, 15, 0x18, "000\n")};
}

TEST(PcapReader, DetectsCaptureMagic) {
    const Buf pcap_le = {0xd4, 0xc3, 0xb2, 0xa1}, pcap_be = {0xa1, 0xb2, 0xc3, 0xd4}, ns = {0x4d, 0x3c, 0xb2, 0xa1},
              ng = {0x0a, 0x0d, 0x0d, 0x0a}, frame = {0x4d, 0x49, 0, 0}, short_ = {0xd4, 0xc3};
    EXPECT_TRUE(is_capture(pcap_le));
    EXPECT_TRUE(is_capture(pcap_be));
    EXPECT_TRUE(is_capture(ns));
    EXPECT_TRUE(is_capture(ng));
    EXPECT_FALSE(is_capture(frame));
    EXPECT_FALSE(is_capture(short_));
}

TEST(PcapReader, ReassemblesFromMemory) {
    Collector h;
    const Buf file = pcap_file(small_conversation());
    auto st = read_capture_memory(file, h);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    EXPECT_EQ(st->link_type, 1);
    EXPECT_EQ(st->packets, 5u);
    EXPECT_EQ(st->tcp_segments, 5u);
    ASSERT_EQ(h.conversations.size(), 1u);
    EXPECT_EQ(h.conversations[0], "127.0.0.1:1111-127.0.0.1:2222");
    EXPECT_EQ(h.streams["127.0.0.1:1111->127.0.0.1:2222"], "MITO000\n");
    EXPECT_EQ(h.streams["127.0.0.1:2222->127.0.0.1:1111"], "pong");
}

TEST(PcapReader, PortFilter) {
    auto pkts = small_conversation();
    pkts.push_back(seg(3333, 4444, 1, 0x18, "other"));
    const Buf file = pcap_file(pkts);
    Collector h;
    CaptureOptions opt;
    opt.port = 4444;
    auto st = read_capture_memory(file, h, opt);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->tcp_segments, 1u);
    ASSERT_EQ(h.conversations.size(), 1u);
    EXPECT_EQ(h.conversations[0], "127.0.0.1:3333-127.0.0.1:4444");
}

TEST(PcapReader, NonTcpPacketsAreCountedAndSkipped) {
    auto pkts = small_conversation();
    pkts.push_back(ethernet(ipv4(Buf(8, 0), 17)));
    Collector h;
    auto st = read_capture_memory(pcap_file(pkts), h);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->other_packets, 1u);
    EXPECT_TRUE(h.packet_errors.empty());
}

TEST(PcapReader, BadPacketIsReportedWithItsNumberAndTheHoleWithItsOffset) {
    auto pkts = small_conversation();
    pkts[3].resize(pkts[3].size() - 2); // "pong" cut by snaplen: packet 4
    pkts.push_back(seg(2222, 1111, 55, 0x18, "more"));
    Collector h;
    auto st = read_capture_memory(pcap_file(pkts), h);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->bad_packets, 1u);
    ASSERT_EQ(h.packet_errors.size(), 1u);
    EXPECT_EQ(h.packet_errors[0].first, 4u);
    EXPECT_EQ(h.packet_errors[0].second.code, Errc::truncated);
    EXPECT_EQ(h.packet_errors[0].second.message.rfind("packet 4: IPv4 packet", 0), 0u)
        << h.packet_errors[0].second.message;
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0].message, "127.0.0.1:2222->127.0.0.1:1111: 4 bytes missing at stream offset 0 (not in the capture)");
}

TEST(PcapReader, TruncatedFileIsAnError) {
    Buf file = pcap_file(small_conversation());
    file.resize(file.size() - 5);
    Collector h;
    auto st = read_capture_memory(file, h, {}, "cut.pcap");
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::truncated);
    EXPECT_EQ(st.error().message.rfind("cut.pcap: packet 5: ", 0), 0u) << st.error().message;
    // What came before the cut was still delivered.
    EXPECT_EQ(h.streams["127.0.0.1:1111->127.0.0.1:2222"], "MITO");
}

TEST(PcapReader, GarbageIsAnError) {
    const Buf junk(64, 0x42);
    Collector h;
    auto st = read_capture_memory(junk, h, {}, "junk.bin");
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::io);
    EXPECT_EQ(st.error().message.rfind("junk.bin: cannot read capture: ", 0), 0u) << st.error().message;
}

TEST(PcapReader, EmptyInputIsAnError) {
    Collector h;
    auto st = read_capture_memory({}, h, {}, "empty");
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().message, "empty: capture is empty");
}

TEST(PcapReader, UnsupportedLinkType) {
    Collector h;
    auto st = read_capture_memory(pcap_file(small_conversation(), 147), h, {}, "x.pcap");
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::unsupported);
    EXPECT_NE(st.error().message.find("link type 147"), std::string::npos) << st.error().message;
}

TEST(PcapReader, MissingFile) {
    Collector h;
    auto st = read_capture_file("/nonexistent/x.pcap", h);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::io);
    EXPECT_EQ(st.error().message.rfind("/nonexistent/x.pcap: cannot read capture: ", 0), 0u) << st.error().message;
}

TEST(PcapReader, MaxPackets) {
    Collector h;
    CaptureOptions opt;
    opt.max_packets = 3;
    auto st = read_capture_memory(pcap_file(small_conversation()), h, opt);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->packets, 3u);
    EXPECT_EQ(h.streams["127.0.0.1:1111->127.0.0.1:2222"], "MITO");
}

// The bundled real capture, checked against tshark's own TCP reassembly.
const std::string kReal = std::string(MITOKIT_SHARED_DIR) + "/captures/mitogen-0.3.52-basic/real.pcapng";

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
}

// tshark "follow,tcp,raw" prints client data unindented and server data indented by a tab.
std::pair<std::string, std::string> tshark_follow(int stream) {
    const std::string text = run("tshark -r '" + kReal + "' -q -z follow,tcp,raw," + std::to_string(stream) + " 2>/dev/null");
    std::pair<std::string, std::string> out;
    std::size_t pos = 0;
    int seps = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.rfind("=====", 0) == 0) { ++seps; continue; }
        if (seps != 1 || line.rfind("Follow:", 0) == 0 || line.rfind("Filter:", 0) == 0 ||
            line.rfind("Node ", 0) == 0)
            continue;
        std::string* dst = &out.first;
        if (!line.empty() && line[0] == '\t') { dst = &out.second; line.erase(0, 1); }
        for (std::size_t i = 0; i + 1 < line.size(); i += 2)
            dst->push_back(static_cast<char>(std::stoi(line.substr(i, 2), nullptr, 16)));
    }
    return out;
}

TEST(PcapReader, RealCaptureMatchesTshark) {
    if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
    Collector h;
    auto st = read_capture_file(kReal, h);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    EXPECT_EQ(st->packets, 97u);
    EXPECT_TRUE(h.gaps.empty());
    EXPECT_TRUE(h.errors.empty());
    ASSERT_EQ(h.conversations.size(), 2u);
    for (int i = 0; i < 2; ++i) {
        const auto [c2s, s2c] = tshark_follow(i);
        ASSERT_FALSE(c2s.empty());
        const std::string& conv = h.conversations[i];
        const std::string client = conv.substr(0, conv.find('-')), server = conv.substr(conv.find('-') + 1);
        EXPECT_EQ(h.streams[client + "->" + server], c2s) << conv;
        EXPECT_EQ(h.streams[server + "->" + client], s2c) << conv;
    }
}

} // namespace
} // namespace mitokit::capture
