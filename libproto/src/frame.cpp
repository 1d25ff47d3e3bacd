#include "mitokit/frame.hpp"

#include <bit>
#include <cstring>
#include <string>

#include "mitokit/handles.hpp"

namespace mitokit {
std::optional<Encoding> encoding_from_u16(std::uint16_t v) noexcept {
    switch (v) {
    case 0x4d49: return Encoding::legacy;
    case 0x4d4a: return Encoding::pickle;
    case 0x4d4b: return Encoding::binary;
    default: return std::nullopt;
    }
}

std::optional<RoutingIds> peek_routing_ids(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() < HEADER_SIZE || !encoding_from_u16(static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1])))
        return std::nullopt;
    const std::uint8_t* p = bytes.data();
    return RoutingIds{load_header_be32(p + 2), load_header_be32(p + 6), load_header_be32(p + 10)};
}

std::string_view encoding_name(Encoding e) noexcept {
    switch (e) {
    case Encoding::legacy: return "MI";
    case Encoding::pickle: return "MJ";
    case Encoding::binary: return "MK";
    }
    return "??";
}

bool Header::is_dead() const noexcept { return reply_to == handle::IS_DEAD; }

HeaderBytes encode_header(const Header& h) noexcept {
    HeaderBytes b;
    encode_header_into(h, b.data());
    return b;
}

Result<Header> decode_header(std::span<const std::uint8_t> bytes, std::uint32_t max_message_size) {
    if (bytes.size() < HEADER_SIZE)
        return make_error(Errc::truncated,
                          "frame header needs 26 bytes, got " + std::to_string(bytes.size()), 0);
    const std::uint16_t first = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
    const auto enc = encoding_from_u16(first);
    if (!enc) {
        char hex[8];
        static constexpr char digits[] = "0123456789abcdef";
        hex[0] = '0'; hex[1] = 'x';
        for (int i = 0; i < 4; ++i) hex[2 + i] = digits[(first >> (12 - 4 * i)) & 0xf];
        hex[6] = 0;
        return make_error(Errc::bad_encoding,
                          std::string("bad frame encoding/magic ") + hex + " (want 0x4d49 MI, 0x4d4a MJ or 0x4d4b MK)", 0);
    }
    const Header h = header_fields(bytes.data());
    if (h.length > max_message_size)
        return make_error(Errc::oversize,
                          "frame length " + std::to_string(h.length) + " exceeds max_message_size " +
                              std::to_string(max_message_size),
                          22);
    return h;
}

std::vector<std::uint8_t> encode_frame(Header h, std::span<const std::uint8_t> payload) {
    h.length = static_cast<std::uint32_t>(payload.size());
    std::vector<std::uint8_t> out;
    out.reserve(HEADER_SIZE + payload.size());
    const auto hb = encode_header(h);
    out.insert(out.end(), hb.begin(), hb.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

bool payload_is_pickle(const Header& h) noexcept {
    if (h.is_dead() || h.enc == Encoding::binary) return false;
    if (h.enc == Encoding::pickle) return true;
    return h.handle == handle::CALL_FUNCTION || h.handle == handle::LOAD_MODULE ||
           h.handle == handle::CALL_SERVICE || h.handle >= handle::FIRST_DYNAMIC;
}

Plausibility plausible_frame_start(std::span<const std::uint8_t> bytes, std::uint32_t max_message_size,
                                   std::uint32_t max_plausible_id) {
    // The encoding and each complete ID field can refuse before the whole header is in.
    if (bytes.size() >= 2 && !encoding_from_u16(static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1])))
        return Plausibility::no;
    for (std::size_t off = 2; off + 4 <= bytes.size() && off < 22; off += 4) {
        const std::uint32_t v = (std::uint32_t{bytes[off]} << 24) | (std::uint32_t{bytes[off + 1]} << 16) |
                                (std::uint32_t{bytes[off + 2]} << 8) | bytes[off + 3];
        if (v >= max_plausible_id) return Plausibility::no;
    }
    if (bytes.size() < HEADER_SIZE) return Plausibility::need_more;
    auto h = decode_header(bytes.first(HEADER_SIZE), max_message_size);
    if (!h) return Plausibility::no;
    if (h->length >= 2 && payload_is_pickle(*h)) {
        if (bytes.size() < HEADER_SIZE + 2) return Plausibility::need_more;
        if (bytes[HEADER_SIZE] != 0x80 || bytes[HEADER_SIZE + 1] > 5) return Plausibility::no;
    }
    return Plausibility::yes;
}

bool plausible_frame_chain(std::span<const std::uint8_t> bytes, std::uint32_t max_message_size,
                           std::uint32_t max_plausible_id) {
    if (bytes.size() < HEADER_SIZE) return false;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const auto rest = bytes.subspan(pos);
        const Plausibility p = plausible_frame_start(rest, max_message_size, max_plausible_id);
        if (p == Plausibility::no) return false;
        if (p == Plausibility::need_more) return true; // a header or payload start cut by the span's end
        const std::uint64_t size = HEADER_SIZE + std::uint64_t{decode_header(rest.first(HEADER_SIZE), max_message_size)->length};
        if (size >= rest.size()) return true; // the last frame ends at the span's end, or runs past it
        pos += static_cast<std::size_t>(size);
    }
    return true;
}

} // namespace mitokit
