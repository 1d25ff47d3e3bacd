// A frames-mode reader that keeps no decoder at frame boundaries, as the
// simulator's streams do: StreamDecoder::scan_frames for the whole frames a chunk
// starts with, a decoder started at the boundary's stream offset for a frame the
// chunk cuts off, dropped again once a chunk ends with a whole frame. Shared by the
// stream decoder's unit test and its fuzz harness, which check that it passes on
// the same events as one decoder fed everything.
#pragma once

#include <memory>
#include <span>

#include "mitokit/stream_decoder.hpp"

namespace mitokit::testing {

class ScanningReader final : public StreamHandler {
public:
    ScanningReader(StreamHandler& out, StreamOptions opt) : out_(out), opt_(opt) {}

    void feed(std::span<const std::uint8_t> chunk) {
        if (failed_) return;
        if (!dec_) {
            const std::uint64_t base = fed_;
            fed_ += chunk.size();
            const FrameScan r = StreamDecoder::scan_frames(chunk, opt_, *this, base);
            scan_overran_ = scan_overran_ || r.taken > chunk.size();
            failed_ = r.failed;
            if (r.failed || r.taken >= chunk.size()) return;
            fed_ = base + r.taken;
            chunk = chunk.subspan(r.taken);
            dec_ = std::make_unique<StreamDecoder>(*this, opt_, fed_);
        }
        fed_ += chunk.size();
        at_boundary_ = false;
        failed_ = !dec_->feed(chunk);
        if (!failed_ && at_boundary_ && dec_->in_frames()) dec_.reset();
    }
    // End of stream: only a decoder holding part of a frame has anything to report.
    void finish() {
        if (dec_ && !failed_) (void)dec_->finish();
    }
    bool scan_overran() const noexcept { return scan_overran_; } // scan_frames took past the chunk

    void on_message(const MessageView& m) override {
        at_boundary_ = m.offset + HEADER_SIZE + m.header.length == fed_;
        out_.on_message(m);
    }
    void on_error(const Error& e) override { out_.on_error(e); }

private:
    StreamHandler& out_;
    StreamOptions opt_;
    std::unique_ptr<StreamDecoder> dec_;
    std::uint64_t fed_ = 0;
    bool at_boundary_ = false;
    bool failed_ = false;
    bool scan_overran_ = false;
};

} // namespace mitokit::testing
