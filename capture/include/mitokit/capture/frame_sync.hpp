// Finding where frames begin again in a direction whose start or middle is not in
// the capture (joined mid-connection, or segments lost): bytes are held and
// scanned until a plausible frame header starts, as the Wireshark plugin does
// for the same captures. Pure: no I/O, so it can be tested from plain bytes.
//
// Plausible means what a real tree sends: a known encoding (MI/MJ/MK), a length
// within max_message_size, every context ID, handle and reply_to below
// max_plausible_id, and a payload that should be a pickle beginning with PROTO;
// and the frames it starts must agree with the rest of the bytes held
// (mitokit::plausible_frame_chain), so a header-like run in a payload followed
// by anything but a header is passed over.
// A payload that happens to hold such 26 bytes can still be taken for a frame;
// nothing else can be done without the missing bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mitokit/frame.hpp"

namespace mitokit::capture {

struct SyncOptions {
    std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
    std::uint32_t max_plausible_id = PLAUSIBLE_ID_LIMIT;
};

using mitokit::Plausibility;

// `bytes` from a candidate frame start on (mitokit::plausible_frame_start with opt's limits).
inline Plausibility plausible_frame_start(std::span<const std::uint8_t> bytes, const SyncOptions& opt = {}) {
    return mitokit::plausible_frame_start(bytes, opt.max_message_size, opt.max_plausible_id);
}

class FrameSync {
public:
    // `offset`: the stream offset of the first byte to be fed.
    explicit FrameSync(SyncOptions opt = {}, std::uint64_t offset = 0) : opt_(opt), offset_(offset) {}

    // Holds `chunk` and scans on. Once a frame start is found, returns the bytes from
    // it on (valid until the next call) and found() is true; empty while searching.
    // Holds at most one header's worth of unscanned bytes plus the chunk.
    std::span<const std::uint8_t> feed(std::span<const std::uint8_t> chunk);

    bool found() const noexcept { return found_; }
    // The stream offset of the frame start once found, else of the first byte still held.
    std::uint64_t offset() const noexcept { return offset_; }
    // Bytes given up on so far (before the frame start once found).
    std::uint64_t skipped() const noexcept { return skipped_; }
    // Bytes held unscanned (given up on too if the stream ends now).
    std::size_t held() const noexcept { return held_.size(); }

private:
    SyncOptions opt_;
    std::uint64_t offset_ = 0;
    std::uint64_t skipped_ = 0;
    std::vector<std::uint8_t> held_;
    bool found_ = false;
};

} // namespace mitokit::capture
