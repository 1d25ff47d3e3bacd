#include "mitokit/capture/link_decode.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace mitokit::capture {
namespace {

using Bytes = std::span<const std::uint8_t>;
using SegmentResult = Result<std::optional<TcpSegment>>;

constexpr std::uint16_t ETHERTYPE_IPV4 = 0x0800;
constexpr std::uint16_t ETHERTYPE_IPV6 = 0x86dd;
constexpr std::uint16_t ETHERTYPE_VLAN = 0x8100;
constexpr std::uint16_t ETHERTYPE_QINQ = 0x88a8;
constexpr std::uint8_t IPPROTO_TCP_ = 6;

std::uint16_t be16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Error cut_short(const char* what, std::size_t need, std::size_t have, std::size_t at) {
    return make_error(Errc::truncated,
                      std::string(what) + " needs " + std::to_string(need) + " bytes, packet has " +
                          std::to_string(have),
                      at);
}

// `base` is the offset of `tcp` within the whole packet, for error offsets.
SegmentResult decode_tcp(Bytes tcp, std::size_t base, Endpoint src, Endpoint dst) {
    if (tcp.size() < 20) return cut_short("TCP header", 20, tcp.size(), base);
    const std::size_t data_off = static_cast<std::size_t>(tcp[12] >> 4) * 4;
    if (data_off < 20)
        return make_error(Errc::bad_value, "TCP data offset " + std::to_string(data_off) + " is below 20", base + 12);
    if (tcp.size() < data_off) return cut_short("TCP header with options", data_off, tcp.size(), base);
    TcpSegment s;
    src.port = be16(tcp.data());
    dst.port = be16(tcp.data() + 2);
    s.src = src;
    s.dst = dst;
    s.seq = be32(tcp.data() + 4);
    s.ack = be32(tcp.data() + 8);
    s.flags = tcp[13];
    s.payload = tcp.subspan(data_off);
    return std::optional<TcpSegment>(s);
}

SegmentResult decode_ipv4(Bytes pkt, std::size_t at) {
    const Bytes ip = pkt.subspan(at);
    if (ip.size() < 20) return cut_short("IPv4 header", 20, ip.size(), at);
    if ((ip[0] >> 4) != 4)
        return make_error(Errc::bad_value, "IPv4 header has version " + std::to_string(ip[0] >> 4), at);
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    const std::size_t total = be16(ip.data() + 2);
    if (ihl < 20 || total < ihl)
        return make_error(Errc::bad_value,
                          "IPv4 header length " + std::to_string(ihl) + " / total length " + std::to_string(total) +
                              " are inconsistent",
                          at);
    if (ip.size() < total)
        return make_error(Errc::truncated,
                          "IPv4 packet of " + std::to_string(total) + " bytes was captured with only " +
                              std::to_string(ip.size()) + " (snaplen too small?)",
                          at + 2);
    if (ip[9] != IPPROTO_TCP_) return std::optional<TcpSegment>{};
    const std::uint16_t frag = be16(ip.data() + 6);
    if ((frag & 0x3fff) != 0) // MF set or a fragment offset: reassembling IP fragments is out of scope
        return make_error(Errc::unsupported, "IPv4 fragment (TCP over fragmented IP is not reassembled)", at + 6);
    Endpoint src, dst;
    std::memcpy(src.addr.data(), ip.data() + 12, 4);
    std::memcpy(dst.addr.data(), ip.data() + 16, 4);
    // Ethernet pads short frames: the IP total length, not the frame, bounds the segment.
    return decode_tcp(ip.subspan(ihl, total - ihl), at + ihl, src, dst);
}

SegmentResult decode_ipv6(Bytes pkt, std::size_t at) {
    const Bytes ip = pkt.subspan(at);
    if (ip.size() < 40) return cut_short("IPv6 header", 40, ip.size(), at);
    if ((ip[0] >> 4) != 6)
        return make_error(Errc::bad_value, "IPv6 header has version " + std::to_string(ip[0] >> 4), at);
    const std::size_t payload_len = be16(ip.data() + 4);
    if (payload_len == 0)
        return make_error(Errc::unsupported, "IPv6 payload length 0 (jumbogram) is not supported", at + 4);
    if (ip.size() < 40 + payload_len)
        return make_error(Errc::truncated,
                          "IPv6 packet of " + std::to_string(40 + payload_len) + " bytes was captured with only " +
                              std::to_string(ip.size()) + " (snaplen too small?)",
                          at + 4);
    Endpoint src, dst;
    src.v6 = dst.v6 = true;
    std::memcpy(src.addr.data(), ip.data() + 8, 16);
    std::memcpy(dst.addr.data(), ip.data() + 24, 16);
    std::uint8_t next = ip[6];
    std::size_t pos = 40;
    const std::size_t end = 40 + payload_len;
    // Walk the extension headers that may precede TCP; anything else is not TCP.
    for (int guard = 0; guard < 16; ++guard) {
        switch (next) {
        case IPPROTO_TCP_: return decode_tcp(ip.subspan(pos, end - pos), at + pos, src, dst);
        case 0:  // hop-by-hop options
        case 43: // routing
        case 60: // destination options
            if (end - pos < 8) return cut_short("IPv6 extension header", 8, end - pos, at + pos);
            next = ip[pos];
            pos += (static_cast<std::size_t>(ip[pos + 1]) + 1) * 8;
            if (pos > end) return cut_short("IPv6 extension header", pos, end, at + pos);
            break;
        case 44: // fragment
            if (end - pos < 8) return cut_short("IPv6 fragment header", 8, end - pos, at + pos);
            if ((be16(ip.data() + pos + 2) & 0xfff9) != 0)
                return make_error(Errc::unsupported, "IPv6 fragment (TCP over fragmented IP is not reassembled)",
                                  at + pos);
            next = ip[pos];
            pos += 8;
            break;
        default: return std::optional<TcpSegment>{};
        }
    }
    return make_error(Errc::bad_value, "IPv6 extension header chain is too long", at + pos);
}

SegmentResult decode_by_ethertype(Bytes pkt, std::uint16_t type, std::size_t at) {
    switch (type) {
    case ETHERTYPE_IPV4: return decode_ipv4(pkt, at);
    case ETHERTYPE_IPV6: return decode_ipv6(pkt, at);
    default: return std::optional<TcpSegment>{};
    }
}

SegmentResult decode_by_version(Bytes pkt, std::size_t at) {
    if (pkt.size() <= at) return cut_short("IP header", at + 1, pkt.size(), at);
    switch (pkt[at] >> 4) {
    case 4: return decode_ipv4(pkt, at);
    case 6: return decode_ipv6(pkt, at);
    default:
        return make_error(Errc::bad_value, "raw IP packet has version " + std::to_string(pkt[at] >> 4), at);
    }
}

SegmentResult decode_ethernet(Bytes pkt) {
    std::size_t at = 12;
    if (pkt.size() < at + 2) return cut_short("Ethernet header", 14, pkt.size(), 0);
    std::uint16_t type = be16(pkt.data() + at);
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
        at += 4;
        if (pkt.size() < at + 2) return cut_short("VLAN tag", at + 2, pkt.size(), at - 4);
        type = be16(pkt.data() + at);
    }
    return decode_by_ethertype(pkt, type, at + 2);
}

// BSD loopback: a 4-byte address family, in the capturing host's byte order (NULL)
// or network order (LOOP). IPv6's AF value differs between BSDs.
SegmentResult decode_null(Bytes pkt, bool network_order) {
    if (pkt.size() < 4) return cut_short("loopback header", 4, pkt.size(), 0);
    std::uint32_t fam = be32(pkt.data());
    if (!network_order && (fam & 0xffff) == 0) fam = __builtin_bswap32(fam);
    switch (fam) {
    case 2: return decode_ipv4(pkt, 4);
    case 10: case 24: case 28: case 30: return decode_ipv6(pkt, 4);
    default: return std::optional<TcpSegment>{};
    }
}

} // namespace

std::string to_string(const Endpoint& e) {
    char buf[64];
    if (!e.v6) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", e.addr[0], e.addr[1], e.addr[2], e.addr[3], e.port);
        return buf;
    }
    // RFC 5952 short form: the longest run (>= 2) of zero groups becomes "::".
    std::uint16_t g[8];
    for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>((e.addr[2 * i] << 8) | e.addr[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) { ++i; continue; }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) { best = i; best_len = j - i; }
        i = j;
    }
    std::string out = "[";
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != '[' && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        out += buf;
    }
    out += "]:" + std::to_string(e.port);
    return out;
}

bool linktype_supported(int lt) noexcept {
    switch (lt) {
    case linktype::NULL_BSD: case linktype::ETHERNET: case linktype::RAW_DLT12: case linktype::RAW_DLT14:
    case linktype::RAW: case linktype::LOOP: case linktype::LINUX_SLL: case linktype::IPV4:
    case linktype::IPV6: case linktype::LINUX_SLL2:
        return true;
    default: return false;
    }
}

Result<std::optional<TcpSegment>> decode_packet(int link_type, std::span<const std::uint8_t> pkt) {
    switch (link_type) {
    case linktype::ETHERNET: return decode_ethernet(pkt);
    case linktype::NULL_BSD: return decode_null(pkt, false);
    case linktype::LOOP: return decode_null(pkt, true);
    case linktype::RAW_DLT12: case linktype::RAW_DLT14: case linktype::RAW: return decode_by_version(pkt, 0);
    case linktype::IPV4: return decode_ipv4(pkt, 0);
    case linktype::IPV6: return decode_ipv6(pkt, 0);
    case linktype::LINUX_SLL:
        if (pkt.size() < 16) return cut_short("Linux cooked (SLL) header", 16, pkt.size(), 0);
        return decode_by_ethertype(pkt, be16(pkt.data() + 14), 16);
    case linktype::LINUX_SLL2:
        if (pkt.size() < 20) return cut_short("Linux cooked v2 (SLL2) header", 20, pkt.size(), 0);
        return decode_by_ethertype(pkt, be16(pkt.data()), 20);
    default:
        return make_error(Errc::unsupported, "link type " + std::to_string(link_type) + " is not supported", 0);
    }
}

} // namespace mitokit::capture
