// The 26-byte big-endian frame header (protocol-notes §1, §10).
#pragma once

#include <array>
#include <bit>
#include <cstring>
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

// The same bytes written to out[0..HEADER_SIZE): inline, so a writer that has
// its buffer already (the simulator's link segments) encodes into it with one
// store per field and no copy.
inline void encode_header_into(const Header& h, std::uint8_t* out) noexcept {
    const auto be32 = [](std::uint8_t* p, std::uint32_t v) noexcept {
        if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
        std::memcpy(p, &v, sizeof v);
    };
    const auto enc = static_cast<std::uint16_t>(h.enc);
    out[0] = static_cast<std::uint8_t>(enc >> 8);
    out[1] = static_cast<std::uint8_t>(enc);
    be32(out + 2, h.dst_id);
    be32(out + 6, h.src_id);
    be32(out + 10, h.auth_id);
    be32(out + 14, h.handle);
    be32(out + 18, h.reply_to);
    be32(out + 22, h.length);
}

// A big-endian u32 at p (the header's fields).
inline std::uint32_t load_header_be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The fields of the HEADER_SIZE bytes at h, unchecked: for readers that have
// checked the encoding (and the length, if they must) themselves. Inline: a
// stream reader runs it once per frame.
inline Header header_fields(const std::uint8_t* h) noexcept {
    Header hd;
    hd.enc = static_cast<Encoding>((std::uint16_t{h[0]} << 8) | h[1]);
    hd.dst_id = load_header_be32(h + 2);
    hd.src_id = load_header_be32(h + 6);
    hd.auth_id = load_header_be32(h + 10);
    hd.handle = load_header_be32(h + 14);
    hd.reply_to = load_header_be32(h + 18);
    hd.length = load_header_be32(h + 22);
    return hd;
}

// Parses exactly HEADER_SIZE bytes. Errors: truncated, bad_encoding (offset 0),
// oversize when length > max_message_size (offset 22).
Result<Header> decode_header(std::span<const std::uint8_t> bytes,
                             std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE);

// The three routing IDs of bytes that start with a known encoding, unchecked
// otherwise (no length limit): for hints that must cost next to nothing, such as
// a simulator prefetching the route entries a frame will look up. Anything that
// acts on a header uses decode_header.
struct RoutingIds {
    std::uint32_t dst_id, src_id, auth_id;
};
std::optional<RoutingIds> peek_routing_ids(std::span<const std::uint8_t> bytes) noexcept;

// Whether the receiver unpickles this frame's payload: an MJ payload, and an MI one
// on a pickled handle or a reply (dead messages and MK carry no pickle).
bool payload_is_pickle(const Header& h) noexcept;

// Whether bytes could start a frame of a real tree, for finding frames again in a
// stream whose start or middle is missing (captures): a known encoding, a length
// within max_message_size, every ID, handle and reply_to below max_plausible_id
// (they are allocated upward from small numbers), and a pickle payload that begins
// with PROTO. need_more: too few bytes to tell yet.
enum class Plausibility : std::uint8_t { no, yes, need_more };
inline constexpr std::uint32_t PLAUSIBLE_ID_LIMIT = 1u << 24;
Plausibility plausible_frame_start(std::span<const std::uint8_t> bytes,
                                   std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE,
                                   std::uint32_t max_plausible_id = PLAUSIBLE_ID_LIMIT);

// Whether the frames that would start at bytes[0] agree with the bytes: the first
// header whole, every header in the span plausible (plausible_frame_start), each
// frame's length leading to the next header; the last frame may run past the end.
// One plausible header can be payload bytes; a chain that breaks is.
bool plausible_frame_chain(std::span<const std::uint8_t> bytes,
                           std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE,
                           std::uint32_t max_plausible_id = PLAUSIBLE_ID_LIMIT);

// Header (length taken from payload.size()) followed by payload.
std::vector<std::uint8_t> encode_frame(Header h, std::span<const std::uint8_t> payload);

} // namespace mitokit
