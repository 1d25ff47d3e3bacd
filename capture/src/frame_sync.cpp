#include "mitokit/capture/frame_sync.hpp"

namespace mitokit::capture {
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
