// The 26-byte big-endian frame header (protocol-notes §1, §10).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit {

// The first header field. 0.3.3 only writes MI; 0.3.39+ writes all three.
enum class Encoding : std::uint16_t {
    legacy = 0x4d49, // "MI": payload raw or one pickle, by handle
    pickle = 0x4d4a, // "MJ": payload is one or more protocol-2 pickles
    binary = 0x4d4b, // "MK": payload is raw bytes
};

std::optional<Encoding> encoding_from_u16(std::uint16_t v) noexcept;
std::string_view encoding_name(Encoding e) noexcept; // "MI", "MJ", "MK"

inline constexpr std::size_t HEADER_SIZE = 26;
inline constexpr std::uint32_t DEFAULT_MAX_MESSAGE_SIZE = 128u * 1048576u;

struct Header {
    Encoding enc = Encoding::legacy;
    std::uint32_t dst_id = 0;
    std::uint32_t src_id = 0;
    std::uint32_t auth_id = 0;
    std::uint32_t handle = 0;
    std::uint32_t reply_to = 0; // 0: no reply wanted; 999 (IS_DEAD): a dead message
    std::uint32_t length = 0;

    bool is_dead() const noexcept;
    friend bool operator==(const Header&, const Header&) = default;
};

using HeaderBytes = std::array<std::uint8_t, HEADER_SIZE>;

HeaderBytes encode_header(const Header& h) noexcept;

// Parses exactly HEADER_SIZE bytes. Errors: truncated, bad_encoding (offset 0),
// oversize when length > max_message_size (offset 22).
Result<Header> decode_header(std::span<const std::uint8_t> bytes,
                             std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE);

// Header (length taken from payload.size()) followed by payload.
std::vector<std::uint8_t> encode_frame(Header h, std::span<const std::uint8_t> payload);

} // namespace mitokit
