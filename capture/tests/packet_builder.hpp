// Hand-built packets and capture files for the capture tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::capture::testing {

using Buf = std::vector<std::uint8_t>;

inline void put16(Buf& b, std::uint16_t v) { b.push_back(v >> 8); b.push_back(v & 0xff); }
inline void put32(Buf& b, std::uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }
inline void put32le(Buf& b, std::uint32_t v) { for (int i = 0; i < 4; ++i) b.push_back((v >> (8 * i)) & 0xff); }
inline void append(Buf& b, const Buf& x) { b.insert(b.end(), x.begin(), x.end()); }
inline void append(Buf& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

struct Tcp {
    std::uint16_t sport = 40000, dport = 5000;
    std::uint32_t seq = 1000, ack = 0;
    std::uint8_t flags = 0x18; // PSH|ACK
    std::string payload;
    std::size_t option_bytes = 0; // multiple of 4
};

inline Buf tcp_bytes(const Tcp& t) {
    Buf b;
    put16(b, t.sport); put16(b, t.dport); put32(b, t.seq); put32(b, t.ack);
    b.push_back(static_cast<std::uint8_t>(((20 + t.option_bytes) / 4) << 4));
    b.push_back(t.flags);
    put16(b, 65535); put16(b, 0); put16(b, 0);
    for (std::size_t i = 0; i < t.option_bytes; ++i) b.push_back(1); // NOPs
    append(b, t.payload);
    return b;
}

inline Buf ipv4(const Buf& l4, std::uint8_t proto = 6, std::uint32_t src = 0x7f000001, std::uint32_t dst = 0x7f000001,
                std::uint16_t frag = 0x4000) {
    Buf b;
    b.push_back(0x45); b.push_back(0);
    put16(b, static_cast<std::uint16_t>(20 + l4.size()));
    put16(b, 1); put16(b, frag);
    b.push_back(64); b.push_back(proto); put16(b, 0);
    put32(b, src); put32(b, dst);
    append(b, l4);
    return b;
}

inline Buf ipv6(const Buf& l4, std::uint8_t next = 6, const Buf& ext = {}) {
    Buf b;
    put32(b, 0x60000000);
    put16(b, static_cast<std::uint16_t>(ext.size() + l4.size()));
    b.push_back(ext.empty() ? next : 0); b.push_back(64);
    for (int i = 0; i < 15; ++i) b.push_back(0);
    b.push_back(1); // ::1
    for (int i = 0; i < 15; ++i) b.push_back(0);
    b.push_back(1);
    append(b, ext);
    append(b, l4);
    return b;
}

inline Buf ethernet(const Buf& l3, std::uint16_t type = 0x0800) {
    Buf b(12, 0);
    put16(b, type);
    append(b, l3);
    return b;
}

// Classic pcap file, microsecond stamps, little-endian, given link type.
inline Buf pcap_file(const std::vector<Buf>& packets, std::uint32_t link_type = 1, std::uint32_t snaplen = 262144) {
    Buf b;
    put32le(b, 0xa1b2c3d4);
    b.push_back(2); b.push_back(0); b.push_back(4); b.push_back(0);
    put32le(b, 0); put32le(b, 0); put32le(b, snaplen); put32le(b, link_type);
    std::uint32_t t = 0;
    for (const auto& p : packets) {
        put32le(b, 1700000000); put32le(b, t++);
        put32le(b, static_cast<std::uint32_t>(p.size())); put32le(b, static_cast<std::uint32_t>(p.size()));
        append(b, p);
    }
    return b;
}

} // namespace mitokit::capture::testing
