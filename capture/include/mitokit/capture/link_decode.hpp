// Packet decoding below TCP: link layer (Ethernet with VLAN tags, Linux cooked
// SLL and SLL2, BSD loopback NULL/LOOP, raw IP), then IPv4 or IPv6, then TCP.
// Pure: bytes in, a segment (views into the bytes) out.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "mitokit/capture/segment.hpp"
#include "mitokit/result.hpp"

namespace mitokit::capture {

// libpcap DLT_/LINKTYPE_ values this decoder understands.
namespace linktype {
inline constexpr int NULL_BSD = 0;
inline constexpr int ETHERNET = 1;
inline constexpr int RAW_DLT12 = 12; // DLT_RAW as libpcap reports it on Linux
inline constexpr int RAW_DLT14 = 14; // DLT_RAW on OpenBSD
inline constexpr int RAW = 101;      // LINKTYPE_RAW in files
inline constexpr int LOOP = 108;
inline constexpr int LINUX_SLL = 113;
inline constexpr int IPV4 = 228;
inline constexpr int IPV6 = 229;
inline constexpr int LINUX_SLL2 = 276;
} // namespace linktype

bool linktype_supported(int lt) noexcept;

// `bytes` is the packet as captured (possibly cut short by the snaplen).
// Returns nullopt for packets that carry no TCP (ARP, UDP, ...): those are not
// errors. Errors (offsets into `bytes`): Errc::truncated for a header cut short or
// an IP packet longer than what was captured (snaplen), Errc::unsupported for IP
// fragments and IPv6 jumbograms, Errc::bad_value for malformed headers.
Result<std::optional<TcpSegment>> decode_packet(int link_type, std::span<const std::uint8_t> bytes);

} // namespace mitokit::capture
