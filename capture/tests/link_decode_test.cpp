#include "mitokit/capture/link_decode.hpp"

#include <gtest/gtest.h>

#include <string>

#include "packet_builder.hpp"

namespace mitokit::capture {
namespace {

using namespace testing;

std::string payload_of(const TcpSegment& s) { return std::string(s.payload.begin(), s.payload.end()); }

TcpSegment must_decode(int lt, const Buf& pkt) {
    auto r = decode_packet(lt, pkt);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (!r || !*r) {
        ADD_FAILURE() << "no TCP segment";
        return {};
    }
    return **r;
}

Error must_fail(int lt, const Buf& pkt) {
    auto r = decode_packet(lt, pkt);
    EXPECT_FALSE(r.has_value());
    return r ? Error{Errc::io, "decoded", 0} : r.error();
}

Tcp sample() {
    Tcp t;
    t.sport = 40770; t.dport = 47200; t.seq = 0x11223344; t.ack = 0x55667788; t.flags = 0x18;
    t.payload = "hello";
    return t;
}

TEST(LinkDecode, EthernetIpv4Tcp) {
    const Buf pkt = ethernet(ipv4(tcp_bytes(sample()), 6, 0x0a000001, 0x7f000001)); // the segment views it
    const auto s = must_decode(linktype::ETHERNET, pkt);
    EXPECT_EQ(to_string(s.src), "10.0.0.1:40770");
    EXPECT_EQ(to_string(s.dst), "127.0.0.1:47200");
    EXPECT_EQ(s.seq, 0x11223344u);
    EXPECT_EQ(s.ack, 0x55667788u);
    EXPECT_TRUE(s.has(tcp_flag::PSH));
    EXPECT_TRUE(s.has(tcp_flag::ACK));
    EXPECT_FALSE(s.has(tcp_flag::SYN));
    EXPECT_EQ(payload_of(s), "hello");
}

TEST(LinkDecode, TcpOptionsAreSkipped) {
    Tcp t = sample();
    t.option_bytes = 12;
    EXPECT_EQ(payload_of(must_decode(linktype::ETHERNET, ethernet(ipv4(tcp_bytes(t)))))
              , "hello");
}

TEST(LinkDecode, EthernetPaddingIsNotPayload) {
    Tcp t = sample();
    t.payload = "";
    Buf frame = ethernet(ipv4(tcp_bytes(t)));
    frame.resize(60, 0xee); // minimum Ethernet frame, padded
    EXPECT_EQ(must_decode(linktype::ETHERNET, frame).payload.size(), 0u);
}

TEST(LinkDecode, VlanTags) {
    Buf inner = ipv4(tcp_bytes(sample()));
    Buf b(12, 0);
    put16(b, 0x88a8); put16(b, 10); put16(b, 0x8100); put16(b, 20); put16(b, 0x0800);
    append(b, inner);
    EXPECT_EQ(payload_of(must_decode(linktype::ETHERNET, b)), "hello");
}

TEST(LinkDecode, LinuxCookedV1AndV2) {
    const Buf ip = ipv4(tcp_bytes(sample()));
    Buf sll(14, 0);
    put16(sll, 0x0800);
    append(sll, ip);
    EXPECT_EQ(payload_of(must_decode(linktype::LINUX_SLL, sll)), "hello");

    Buf sll2;
    put16(sll2, 0x86dd);
    sll2.resize(20, 0);
    append(sll2, ipv6(tcp_bytes(sample())));
    const auto s = must_decode(linktype::LINUX_SLL2, sll2);
    EXPECT_EQ(payload_of(s), "hello");
    EXPECT_EQ(to_string(s.src), "[::1]:40770");
}

TEST(LinkDecode, BsdLoopbackBothByteOrders) {
    const Buf ip = ipv4(tcp_bytes(sample()));
    Buf host_le;
    put32le(host_le, 2);
    append(host_le, ip);
    EXPECT_EQ(payload_of(must_decode(linktype::NULL_BSD, host_le)), "hello");
    Buf net;
    put32(net, 2);
    append(net, ip);
    EXPECT_EQ(payload_of(must_decode(linktype::NULL_BSD, net)), "hello");
    EXPECT_EQ(payload_of(must_decode(linktype::LOOP, net)), "hello");
    Buf v6;
    put32le(v6, 30); // AF_INET6 on macOS
    append(v6, ipv6(tcp_bytes(sample())));
    EXPECT_EQ(payload_of(must_decode(linktype::NULL_BSD, v6)), "hello");
}

TEST(LinkDecode, RawIp) {
    EXPECT_EQ(payload_of(must_decode(linktype::RAW_DLT12, ipv4(tcp_bytes(sample())))), "hello");
    EXPECT_EQ(payload_of(must_decode(linktype::RAW, ipv6(tcp_bytes(sample())))), "hello");
    EXPECT_EQ(payload_of(must_decode(linktype::IPV4, ipv4(tcp_bytes(sample())))), "hello");
    EXPECT_EQ(payload_of(must_decode(linktype::IPV6, ipv6(tcp_bytes(sample())))), "hello");
}

TEST(LinkDecode, Ipv6ExtensionHeaders) {
    Buf hop = {6, 0, 1, 4, 0, 0, 0, 0}; // next = TCP, 8 bytes, PadN
    EXPECT_EQ(payload_of(must_decode(linktype::RAW, ipv6(tcp_bytes(sample()), 6, hop))), "hello");
}

TEST(LinkDecode, NonTcpIsSkippedNotAnError) {
    auto udp = decode_packet(linktype::ETHERNET, ethernet(ipv4(Buf(8, 0), 17)));
    ASSERT_TRUE(udp.has_value());
    EXPECT_FALSE(udp->has_value());
    auto arp = decode_packet(linktype::ETHERNET, ethernet(Buf(28, 0), 0x0806));
    ASSERT_TRUE(arp.has_value());
    EXPECT_FALSE(arp->has_value());
}

TEST(LinkDecode, TruncatedEthernet) {
    const auto e = must_fail(linktype::ETHERNET, Buf(10, 0));
    EXPECT_EQ(e.code, Errc::truncated);
    EXPECT_NE(e.message.find("Ethernet header"), std::string::npos) << e.message;
}

TEST(LinkDecode, SnaplenCutIsReported) {
    Buf frame = ethernet(ipv4(tcp_bytes(sample())));
    frame.resize(frame.size() - 3);
    const auto e = must_fail(linktype::ETHERNET, frame);
    EXPECT_EQ(e.code, Errc::truncated);
    EXPECT_NE(e.message.find("snaplen"), std::string::npos) << e.message;
    EXPECT_EQ(e.offset, 16u); // total-length field of the IP header
}

TEST(LinkDecode, Ipv4FragmentUnsupported) {
    const auto e = must_fail(linktype::RAW, ipv4(tcp_bytes(sample()), 6, 1, 2, 0x2000)); // MF
    EXPECT_EQ(e.code, Errc::unsupported);
    EXPECT_NE(e.message.find("fragment"), std::string::npos) << e.message;
}

TEST(LinkDecode, Ipv6FragmentUnsupported) {
    Buf frag = {6, 0, 0, 9, 0, 0, 0, 1}; // offset 1, M=1
    Buf pkt = ipv6(tcp_bytes(sample()), 6, frag);
    pkt[6] = 44; // first header is the fragment header
    const auto e = must_fail(linktype::RAW, pkt);
    EXPECT_EQ(e.code, Errc::unsupported);
    EXPECT_NE(e.message.find("fragment"), std::string::npos) << e.message;
}

TEST(LinkDecode, BadTcpDataOffset) {
    Buf tcp = tcp_bytes(sample());
    tcp[12] = 0x30; // 12 bytes
    const auto e = must_fail(linktype::RAW, ipv4(tcp));
    EXPECT_EQ(e.code, Errc::bad_value);
    EXPECT_EQ(e.offset, 32u);
    EXPECT_NE(e.message.find("TCP data offset 12"), std::string::npos) << e.message;
}

TEST(LinkDecode, BadIpVersion) {
    Buf pkt = ipv4(tcp_bytes(sample()));
    pkt[0] = 0x55;
    const auto e = must_fail(linktype::RAW, pkt);
    EXPECT_EQ(e.code, Errc::bad_value);
    EXPECT_NE(e.message.find("version 5"), std::string::npos) << e.message;
}

TEST(LinkDecode, JumbogramUnsupported) {
    Buf pkt = ipv6(tcp_bytes(sample()));
    pkt[4] = pkt[5] = 0;
    EXPECT_EQ(must_fail(linktype::RAW, pkt).code, Errc::unsupported);
}

TEST(LinkDecode, UnknownLinkType) {
    const auto e = must_fail(147, Buf(40, 0));
    EXPECT_EQ(e.code, Errc::unsupported);
    EXPECT_NE(e.message.find("147"), std::string::npos);
    EXPECT_FALSE(linktype_supported(147));
    EXPECT_TRUE(linktype_supported(linktype::LINUX_SLL2));
}

TEST(LinkDecode, Ipv6Names) {
    Endpoint e;
    e.v6 = true;
    e.port = 443;
    e.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(to_string(e), "[2001:db8::1]:443");
    e.addr = {};
    EXPECT_EQ(to_string(e), "[::]:443");
}

} // namespace
} // namespace mitokit::capture
