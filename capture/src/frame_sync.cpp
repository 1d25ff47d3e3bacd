#include "mitokit/capture/frame_sync.hpp"

#include "mitokit/handles.hpp"

namespace mitokit::capture {
namespace {

std::uint32_t be32(const std::uint8_t* p) noexcept {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Payloads the receiver unpickles: an MJ payload, and an MI one on a pickled handle or a reply.
bool expects_pickle(const Header& h) noexcept {
    if (h.is_dead() || h.enc == Encoding::binary) return false;
    if (h.enc == Encoding::pickle) return true;
    return h.handle == handle::CALL_FUNCTION || h.handle == handle::LOAD_MODULE ||
           h.handle == handle::CALL_SERVICE || h.handle >= handle::FIRST_DYNAMIC;
}

} // namespace

Plausibility plausible_frame_start(std::span<const std::uint8_t> bytes, const SyncOptions& opt) {
    // The encoding and each complete ID field can refuse before the whole header is in.
    if (bytes.size() >= 2 && !encoding_from_u16(static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1])))
        return Plausibility::no;
    for (std::size_t off = 2; off + 4 <= bytes.size() && off < 22; off += 4)
        if (be32(bytes.data() + off) >= opt.max_plausible_id) return Plausibility::no;
    if (bytes.size() < HEADER_SIZE) return Plausibility::need_more;
    auto h = decode_header(bytes.first(HEADER_SIZE), opt.max_message_size);
    if (!h) return Plausibility::no;
    if (h->length >= 2 && expects_pickle(*h)) {
        if (bytes.size() < HEADER_SIZE + 2) return Plausibility::need_more;
        if (bytes[HEADER_SIZE] != 0x80 || bytes[HEADER_SIZE + 1] > 5) return Plausibility::no;
    }
    return Plausibility::yes;
}

std::span<const std::uint8_t> FrameSync::feed(std::span<const std::uint8_t> chunk) {
    held_.insert(held_.end(), chunk.begin(), chunk.end());
    if (found_) return held_;
    std::size_t k = 0;
    for (; k < held_.size(); ++k) {
        const auto p = plausible_frame_start(std::span<const std::uint8_t>(held_).subspan(k), opt_);
        if (p == Plausibility::no) continue;
        if (p == Plausibility::yes) found_ = true;
        break; // found, or wait for the bytes that decide
    }
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(k));
    skipped_ += k;
    offset_ += k;
    if (!found_) return {};
    return held_;
}

} // namespace mitokit::capture
