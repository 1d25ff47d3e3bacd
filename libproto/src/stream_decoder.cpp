#include "mitokit/stream_decoder.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "stream_bootstrap.hpp"

namespace mitokit {

struct StreamDecoder::Bootstrap {
    std::string line;             // a line split across chunks
    std::uint64_t line_start = 0; // its offset in the stream
    std::uint64_t preamble_start = 0;
    std::unique_ptr<bootstrap::PreambleInflater> inflater;
};

namespace {

using detail::whole_frames;

std::string at(std::uint64_t offset) { return " at stream offset " + std::to_string(offset); }

} // namespace

StreamDecoder::StreamDecoder(StreamHandler& handler, StreamOptions opt, std::uint64_t start_offset)
    : handler_(&handler), opt_(opt), consumed_(start_offset) {
    begin();
}

void StreamDecoder::restart(StreamHandler& handler, StreamOptions opt, std::uint64_t start_offset) {
    handler_ = &handler;
    opt_ = opt;
    consumed_ = start_offset;
    frame_offset_ = 0;
    boot_.reset();
    error_.reset();
    if (buf_.capacity() > opt_.retain_buffer) std::vector<std::uint8_t>().swap(buf_);
    else buf_.clear();
    hdr_ = Header{};
    hb_ = HeaderBytes{};
    hb_fill_ = 0;
    finished_ = false;
    begin();
}

void StreamDecoder::begin() {
    switch (opt_.start) {
    case StreamStart::frames: enter(Phase::header); break;
    case StreamStart::detect: enter(Phase::detect); break;
    case StreamStart::lines: enter(Phase::lines); break;
    case StreamStart::preamble: enter(Phase::preamble); break;
    }
}

StreamDecoder::~StreamDecoder() = default;

bool StreamDecoder::in_frames() const noexcept {
    return phase_ == Phase::header || phase_ == Phase::payload;
}

std::size_t StreamDecoder::heap_bytes() const noexcept {
    std::size_t n = buf_.capacity();
    if (boot_) {
        n += sizeof(Bootstrap) + boot_->line.capacity();
        if (boot_->inflater) n += bootstrap::PreambleInflater::HEAP_BYTES;
    }
    if (error_) n += sizeof(Error) + error_->message.capacity();
    return n;
}

void StreamDecoder::enter(Phase ph) {
    phase_ = ph;
    if (ph == Phase::lines || ph == Phase::preamble) {
        if (!boot_) boot_ = std::make_unique<Bootstrap>();
        if (ph == Phase::preamble) {
            boot_->inflater = std::make_unique<bootstrap::PreambleInflater>();
            boot_->preamble_start = consumed_;
        }
    } else if (ph != Phase::detect) {
        boot_.reset();
    }
}

void StreamDecoder::fail(Error e) {
    error_ = std::make_unique<Error>(std::move(e));
    buf_ = std::vector<std::uint8_t>(); // not `= {}`, which keeps the capacity
    boot_.reset();
    handler_->on_error(*error_);
}

Status StreamDecoder::feed(std::span<const std::uint8_t> chunk) {
    if (error_) return *error_;
    assert(!finished_ && "feed() after finish()");
    if (finished_) return {};
    const std::uint64_t base = consumed_;
    run(chunk.data(), chunk.size(), 0, base);
    consumed_ = base + chunk.size();
    if (error_) return *error_;
    return {};
}

// `base` is the stream offset of p[0]; consumed_ is kept at the offset of p[pos]
// only where a phase change needs it (entering the preamble).
std::size_t StreamDecoder::run(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base) {
    while (pos < n && !error_) {
        switch (phase_) {
        case Phase::header: pos = on_frames(p, n, pos, base); break;
        case Phase::payload: pos = on_payload(p, n, pos); break;
        case Phase::detect: pos = on_detect(p, n, pos, base); break;
        case Phase::lines: pos = on_lines(p, n, pos, base); break;
        case Phase::preamble: pos = on_preamble(p, n, pos, base); break;
        }
    }
    return pos;
}

namespace detail {

[[gnu::cold, gnu::noinline]] Error bad_frame_header(const std::uint8_t* h, const StreamOptions& opt, std::uint64_t at_offset) {
    // Both errors are placed at the frame's first byte, as the conformance suite
    // (conformance/frames.jsonl) expects: the whole frame is what gets refused.
    // 0.3.3 checks the magic before the length.
    Error e = opt.legacy_only && detail::frame_encoding_ok(h) && h[1] != 0x49
                  ? make_error(Errc::bad_encoding, std::string("bad frame magic ") +
                                                       (h[1] == 0x4a ? "0x4d4a MJ" : "0x4d4b MK") +
                                                       " (0.3.3 reads only 0x4d49 MI)")
                  : decode_header(std::span<const std::uint8_t>(h, HEADER_SIZE), opt.max_message_size).error();
    e.offset = at_offset;
    e.message += " in the frame" + at(at_offset);
    return e;
}

} // namespace detail

bool StreamDecoder::header_ok(const std::uint8_t* h, std::uint64_t at_offset) {
    if (detail::frame_header_fits(h, opt_)) [[likely]]
        return true;
    fail(detail::bad_frame_header(h, opt_, at_offset));
    return false;
}

std::size_t StreamDecoder::on_frames(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base) {
    if (hb_fill_ != 0) {
        const std::size_t take = std::min<std::size_t>(HEADER_SIZE - hb_fill_, n - pos);
        std::memcpy(hb_.data() + hb_fill_, p + pos, take);
        hb_fill_ = static_cast<std::uint8_t>(hb_fill_ + take);
        pos += take;
        if (hb_fill_ < HEADER_SIZE) return pos;
        hb_fill_ = 0;
        if (!header_ok(hb_.data(), frame_offset_)) return n;
        hdr_ = header_fields(hb_.data());
        if (n - pos >= hdr_.length) {
            handler_->on_message(MessageView{hdr_, {p + pos, hdr_.length}, frame_offset_});
            return pos + hdr_.length;
        }
        phase_ = Phase::payload;
        return pos;
    }
    // Fast path: whole frames inside the chunk, delivered as views.
    bool bad = false;
    pos = whole_frames(p, n, pos, base, opt_, *handler_, bad);
    if (bad) [[unlikely]] {
        fail(detail::bad_frame_header(p + pos, opt_, base + pos));
        return n;
    }
    if (n - pos >= HEADER_SIZE) { // a frame whose payload goes on in the next chunks
        hdr_ = header_fields(p + pos);
        frame_offset_ = base + pos;
        phase_ = Phase::payload;
        return pos + HEADER_SIZE;
    }
    if (pos < n) {
        frame_offset_ = base + pos;
        hb_fill_ = static_cast<std::uint8_t>(n - pos);
        std::memcpy(hb_.data(), p + pos, n - pos);
    }
    return n;
}

std::size_t StreamDecoder::on_payload(const std::uint8_t* p, std::size_t n, std::size_t pos) {
    if (buf_.empty() && n - pos >= hdr_.length) { // header ended the last chunk; body is whole here
        handler_->on_message(MessageView{hdr_, {p + pos, hdr_.length}, frame_offset_});
        phase_ = Phase::header;
        return pos + hdr_.length;
    }
    const std::size_t need = hdr_.length - buf_.size();
    const std::size_t take = std::min(need, n - pos);
    if (buf_.capacity() < buf_.size() + take) {
        // Reserving the whole frame at once avoids copying it again on each growth
        // (it is address space, not resident memory, until the bytes arrive); past
        // max_prealloc the buffer grows geometrically with the bytes instead.
        std::size_t want = hdr_.length <= opt_.max_prealloc
                               ? hdr_.length
                               : std::max<std::size_t>({buf_.size() + take, 2 * buf_.capacity(), opt_.max_prealloc});
        buf_.reserve(std::min<std::size_t>(want, hdr_.length));
    }
    buf_.insert(buf_.end(), p + pos, p + pos + take);
    pos += take;
    if (buf_.size() < hdr_.length) return pos;
    handler_->on_message(MessageView{hdr_, {buf_.data(), buf_.size()}, frame_offset_});
    if (buf_.capacity() > opt_.retain_buffer) buf_ = std::vector<std::uint8_t>(); // not `= {}`, which keeps the capacity
    else buf_.clear();
    phase_ = Phase::header;
    return pos;
}

std::size_t StreamDecoder::on_detect(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base) {
    using bootstrap::StartKind;
    // Usually the first chunk holds enough to decide; otherwise gather up to START_BYTES.
    const std::uint8_t* probe = p + pos;
    std::size_t have = n - pos;
    std::size_t gathered = 0;
    if (hb_fill_ != 0 || have < bootstrap::START_BYTES) {
        gathered = std::min<std::size_t>(bootstrap::START_BYTES - hb_fill_, have);
        std::memcpy(hb_.data() + hb_fill_, probe, gathered);
        hb_fill_ = static_cast<std::uint8_t>(hb_fill_ + gathered);
        probe = hb_.data();
        have = hb_fill_;
    }
    const auto kind = bootstrap::classify_start(probe, have, false);
    if (!kind) return pos + gathered;
    const Phase next = *kind == StartKind::frames ? Phase::header
                       : *kind == StartKind::lines ? Phase::lines
                                                   : Phase::preamble;
    if (probe == p + pos) {
        consumed_ = base + pos;
        enter(next);
        return pos;
    }
    // Replay the gathered bytes (the stream's first ones) through the chosen phase.
    std::array<std::uint8_t, bootstrap::START_BYTES> first{};
    const std::size_t k = hb_fill_;
    std::memcpy(first.data(), hb_.data(), k);
    hb_fill_ = 0;
    const std::uint64_t first_offset = base + pos + gathered - k;
    consumed_ = first_offset;
    enter(next);
    run(first.data(), k, 0, first_offset);
    return pos + gathered;
}

std::size_t StreamDecoder::on_lines(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base) {
    Bootstrap& b = *boot_;
    while (pos < n) {
        if (b.line.empty()) b.line_start = base + pos;
        const void* nl = std::memchr(p + pos, '\n', n - pos);
        const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - p) : n;
        const std::size_t seg = end - pos;
        if (b.line.size() + seg > opt_.max_bootstrap_line) {
            fail(make_error(Errc::limit,
                            "bootstrap line longer than max_bootstrap_line (" +
                                std::to_string(opt_.max_bootstrap_line) + " bytes) before MITO002" +
                                at(b.line_start),
                            b.line_start));
            return n;
        }
        if (!nl) {
            b.line.append(reinterpret_cast<const char*>(p + pos), seg);
            return n;
        }
        std::string_view line;
        if (b.line.empty()) {
            line = {reinterpret_cast<const char*>(p + pos), seg};
        } else {
            b.line.append(reinterpret_cast<const char*>(p + pos), seg);
            line = b.line;
        }
        const BootstrapKind kind = bootstrap::classify_line(line);
        const BootstrapEvent ev{kind, b.line_start, line.size() + 1, 0, line};
        pos = end + 1;
        handler_->on_bootstrap(ev);
        b.line.clear();
        if (kind == BootstrapKind::mito002) {
            enter(Phase::header);
            return pos;
        }
    }
    return pos;
}

std::size_t StreamDecoder::on_preamble(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base) {
    Bootstrap& b = *boot_;
    auto& z = *b.inflater;
    auto step = z.feed(p + pos, n - pos, opt_.max_preamble_inflated);
    if (!step) {
        Error e = std::move(step).error();
        e.offset = b.preamble_start;
        e.message += " in the preamble starting" + at(b.preamble_start);
        fail(std::move(e));
        return n;
    }
    pos += step->used;
    (void)base;
    if (!step->done) return pos;
    const BootstrapEvent ev{BootstrapKind::preamble, b.preamble_start, z.compressed(), z.inflated(), z.config()};
    handler_->on_bootstrap(ev);
    enter(Phase::header);
    return pos;
}

Status StreamDecoder::finish() {
    if (error_) return *error_;
    if (finished_) return {};
    finished_ = true;
    switch (phase_) {
    case Phase::header:
        if (hb_fill_ != 0)
            fail(make_error(Errc::truncated,
                            "stream ended inside a frame header (" + std::to_string(hb_fill_) + " of 26 bytes)" +
                                at(frame_offset_),
                            frame_offset_));
        break;
    case Phase::payload:
        fail(make_error(Errc::truncated,
                        "stream ended inside a frame's payload (" + std::to_string(buf_.size()) + " of " +
                            std::to_string(hdr_.length) + " bytes) of the frame" + at(frame_offset_),
                        frame_offset_));
        break;
    case Phase::detect:
        if (hb_fill_ != 0) {
            // Too few bytes to tell what the stream is: report them as what they look like.
            const auto kind = bootstrap::classify_start(hb_.data(), hb_fill_, true);
            const std::uint64_t start = consumed_ - hb_fill_;
            const char* what = *kind == bootstrap::StartKind::frames ? "a frame header"
                               : *kind == bootstrap::StartKind::lines ? "a bootstrap line"
                                                                      : "the preamble";
            fail(make_error(Errc::truncated,
                            "stream ended after " + std::to_string(hb_fill_) + " bytes, inside " + what + at(start),
                            start));
        }
        break;
    case Phase::lines: {
        const bool partial = !boot_->line.empty();
        const std::uint64_t where = partial ? boot_->line_start : consumed_;
        fail(make_error(Errc::truncated,
                        std::string("stream ended during the bootstrap, before MITO002") +
                            (partial ? " (inside an unterminated line)" : "") + at(where),
                        where));
        break;
    }
    case Phase::preamble: {
        const std::uint64_t start = boot_->preamble_start;
        fail(make_error(Errc::truncated,
                        "stream ended inside the preamble (" + std::to_string(boot_->inflater->compressed()) +
                            " compressed bytes read)" + at(start),
                        start));
        break;
    }
    }
    if (error_) return *error_;
    return {};
}

namespace {

class Collector final : public StreamHandler {
public:
    explicit Collector(DecodedStream& out) : out_(out) {}
    void on_message(const MessageView& m) override {
        DecodedStream::Item it;
        it.kind = DecodedStream::Item::Kind::message;
        it.header = m.header;
        it.payload.assign(m.payload.begin(), m.payload.end());
        it.offset = m.offset;
        out_.items.push_back(std::move(it));
    }
    void on_bootstrap(const BootstrapEvent& e) override {
        DecodedStream::Item it;
        it.kind = DecodedStream::Item::Kind::bootstrap;
        it.bootstrap = e;
        it.text = e.text;
        it.bootstrap.text = {};
        it.offset = e.offset;
        out_.items.push_back(std::move(it));
    }
    void on_error(const Error& e) override {
        DecodedStream::Item it;
        it.kind = DecodedStream::Item::Kind::error;
        it.err = e;
        it.offset = e.offset;
        out_.items.push_back(std::move(it));
    }

private:
    DecodedStream& out_;
};

} // namespace

DecodedStream decode_all(std::span<const std::uint8_t> bytes, StreamOptions opt) {
    DecodedStream out;
    Collector c(out);
    StreamDecoder d(c, opt);
    (void)d.feed(bytes);
    (void)d.finish();
    return out;
}

} // namespace mitokit
