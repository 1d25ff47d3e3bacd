#include "mitokit/capture/frame_sync.hpp"

namespace mitokit::capture {
std::span<const std::uint8_t> FrameSync::feed(std::span<const std::uint8_t> chunk) {
    held_.insert(held_.end(), chunk.begin(), chunk.end());
    if (found_) return held_;
    std::size_t k = 0;
    for (; k < held_.size(); ++k) {
        const auto from = std::span<const std::uint8_t>(held_).subspan(k);
        const auto p = plausible_frame_start(from, opt_);
        if (p == Plausibility::no) continue;
        if (p == Plausibility::need_more) break; // wait for the bytes that decide
        // Payload bytes can look like a header; frames that break off within what
        // is held cannot be real (the plugin checks each segment the same way).
        if (!plausible_frame_chain(from, opt_.max_message_size, opt_.max_plausible_id)) continue;
        found_ = true;
        break;
    }
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(k));
    skipped_ += k;
    offset_ += k;
    if (!found_) return {};
    return held_;
}

} // namespace mitokit::capture
