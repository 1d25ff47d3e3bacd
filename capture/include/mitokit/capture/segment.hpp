// One TCP segment as found in a captured packet, and the endpoints it joins.
// Views point into the packet buffer and live only as long as it does.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace mitokit::capture {

struct Endpoint {
    std::array<std::uint8_t, 16> addr{}; // IPv4 uses the first 4 bytes
    bool v6 = false;
    std::uint16_t port = 0;

    friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// "127.0.0.1:40770", "[::1]:40770"
std::string to_string(const Endpoint& e);

namespace tcp_flag {
inline constexpr std::uint8_t FIN = 0x01;
inline constexpr std::uint8_t SYN = 0x02;
inline constexpr std::uint8_t RST = 0x04;
inline constexpr std::uint8_t PSH = 0x08;
inline constexpr std::uint8_t ACK = 0x10;
} // namespace tcp_flag

struct TcpSegment {
    Endpoint src;
    Endpoint dst;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::span<const std::uint8_t> payload;

    bool has(std::uint8_t f) const noexcept { return (flags & f) != 0; }
};

} // namespace mitokit::capture
