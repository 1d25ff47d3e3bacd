// The incremental stream decoder for one direction of a mitogen link, in the
// callback style of llhttp/nghttp2: feed() any chunking of the bytes, get the same
// events. No I/O, no threads, no exceptions.
//
// Payloads are views into the chunk passed to feed() when a frame's payload lies
// wholly in it (no copy); otherwise the decoder assembles it in its own buffer,
// grown only as the bytes arrive. Views are valid only during the callback, and a
// handler must not call back into the decoder that is calling it.
//
// A bad encoding/magic or an over-size length ends the stream (the reference drops
// the connection): on_error is called once with the byte offset, and later feed()
// calls are ignored. Both are checked once the whole 26-byte header is in, as the
// reference does. A frame cut short by end of stream is reported by finish().
//
// The decoder is small (about 150 bytes plus any partial frame) because the
// simulator keeps two per link; bootstrap state exists only while bootstrapping.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/result.hpp"

namespace mitokit {

struct MessageView {
    Header header;
    std::span<const std::uint8_t> payload;
    std::uint64_t offset = 0; // of the header's first byte in the stream
};

// The child bootstrap (protocol-notes §6) as seen on the wire, before frames.
// Child -> parent: '\n'-terminated lines; a line containing MITO000, MITO001 or
// MITO002 anywhere is that marker (searched in that order, as the reference's
// regex search does), any other line is noise; frames follow the MITO002 line.
// Parent -> child: the zlib preamble (its end found by inflating it), then frames.
// The fork method skips the first stage: MITO002 alone, and frames both ways.
enum class BootstrapKind : std::uint8_t {
    noise,    // a line before a marker (ssh banner, shell output); tolerated
    mito000,  // child -> parent: first stage is ready for the preamble
    preamble, // parent -> child: the zlib-compressed core source + config
    mito001,  // child -> parent: first stage has passed the source on
    mito002,  // child -> parent: ExternalContext is up; frames follow
};

const char* bootstrap_kind_name(BootstrapKind k) noexcept; // "noise", "MITO000", "preamble", ...

struct BootstrapEvent {
    BootstrapKind kind;
    std::uint64_t offset = 0; // first byte of the event in the stream
    std::uint64_t length = 0; // bytes it occupies on the wire (a line's '\n' included)
    std::uint64_t inflated_size = 0; // preamble only: size of the decompressed source
    // Lines: the line without its '\n'. Preamble: the config dict literal from the
    // final `ExternalContext(<config>).main()` line, or empty if not found.
    // Valid only during the callback.
    std::string_view text{};
};

class StreamHandler {
public:
    virtual ~StreamHandler() = default;
    virtual void on_message(const MessageView& msg) = 0;
    virtual void on_bootstrap(const BootstrapEvent&) {}
    virtual void on_error(const Error&) {}
};

enum class StreamStart : std::uint8_t {
    frames,   // frames from the first byte (UNIX listener links after their 4/12-byte
              // handshake, mid-stream captures that start on a frame boundary)
    detect,   // a child link from connect time: bootstrap lines or a preamble may come first
    lines,    // child -> parent from connect time: lines up to MITO002, then frames
    preamble, // parent -> child from connect time (not fork): the preamble, then frames
};

struct StreamOptions {
    std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
    StreamStart start = StreamStart::detect;
    std::uint64_t max_preamble_inflated = 64u << 20; // cap on the decompressed preamble
    std::uint32_t max_bootstrap_line = 64u << 10;    // longest line (without '\n') before MITO002
    // An assembly buffer grown past this is released after its frame, so one big
    // frame does not pin memory for the life of the link.
    std::uint32_t retain_buffer = 64u << 10;
    // A frame split across chunks up to this size gets its whole buffer reserved
    // when its header arrives (no re-copying as it grows); bigger ones grow with
    // the bytes received.
    std::uint32_t max_prealloc = 16u << 20;
    // Read frames as 0.3.3 does: its header magic is MI only, and an MJ or MK
    // header drops the stream like any other bad magic (off: every encoding since
    // 0.3.39 is accepted, as a capture reader wants).
    bool legacy_only = false;
};

// What StreamDecoder::scan_frames did with a chunk.
struct FrameScan {
    std::size_t taken = 0; // bytes of whole frames handed on (or before the bad header)
    bool failed = false;   // a bad header: on_error was called, the stream is over
};

namespace detail {

inline bool frame_encoding_ok(const std::uint8_t* h) noexcept { return h[0] == 0x4d && h[1] >= 0x49 && h[1] <= 0x4b; }

// Whether a whole header is one the stream takes (encoding, 0.3.3's MI only, length).
inline bool frame_header_fits(const std::uint8_t* h, const StreamOptions& opt) noexcept {
    return frame_encoding_ok(h) && (!opt.legacy_only || h[1] == 0x49) && load_header_be32(h + 22) <= opt.max_message_size;
}

// Why a header that fails frame_header_fits() is refused (placed at its first byte).
[[gnu::cold]] Error bad_frame_header(const std::uint8_t* h, const StreamOptions& opt, std::uint64_t at_offset);

// Hands on the whole frames from p[pos] (stream offset base + pos) as views, and
// returns where it stopped: at a frame cut off by the chunk's end, or (`bad` set)
// at a header that does not fit. A template so that a caller's final handler
// class gets its on_message called directly (once per routed hop in the simulator).
template <class Handler>
std::size_t whole_frames(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base,
                         const StreamOptions& opt, Handler& handler, bool& bad) {
    while (n - pos >= HEADER_SIZE) {
        const std::uint8_t* h = p + pos;
        if (!frame_header_fits(h, opt)) [[unlikely]] {
            bad = true;
            return pos;
        }
        const Header hd = header_fields(h);
        const std::size_t body = pos + HEADER_SIZE;
        if (n - body < hd.length) return pos;
        handler.on_message(MessageView{hd, {p + body, hd.length}, base + pos});
        pos = body + hd.length;
    }
    return pos;
}

} // namespace detail

class StreamDecoder {
public:
    // `start_offset`: the stream offset of the first byte this decoder is fed. A
    // decoder started again at a frame boundary (a caller that drops idle decoders
    // to save memory) then reports offsets of the whole stream, in errors and
    // MessageView.
    StreamDecoder(StreamHandler& handler, StreamOptions opt = {}, std::uint64_t start_offset = 0);
    ~StreamDecoder();
    StreamDecoder(const StreamDecoder&) = delete;
    StreamDecoder& operator=(const StreamDecoder&) = delete;

    // Makes this decoder what StreamDecoder(handler, opt, start_offset) would be,
    // keeping its assembly buffer's storage (up to opt.retain_buffer): a caller
    // that drops idle decoders can pool them instead of allocating one per read.
    void restart(StreamHandler& handler, StreamOptions opt = {}, std::uint64_t start_offset = 0);

    // A stream at a frame boundary needs no decoder for the whole frames a chunk
    // starts with: they go to `handler` as feed() would give them to a decoder in
    // frames mode started at `start_offset` (the chunk's first byte), and so does a
    // bad header's error. Any rest (a frame cut off) is left to a decoder restarted
    // at start_offset + taken. For callers that keep no decoder per idle stream.
    // `handler` is a StreamHandler, or any class with its on_message and on_error.
    template <class Handler>
    static FrameScan scan_frames(std::span<const std::uint8_t> chunk, const StreamOptions& opt, Handler& handler,
                                 std::uint64_t start_offset) {
        bool bad = false;
        const std::size_t pos = detail::whole_frames(chunk.data(), chunk.size(), 0, start_offset, opt, handler, bad);
        if (bad) [[unlikely]]
            handler.on_error(detail::bad_frame_header(chunk.data() + pos, opt, start_offset + pos));
        return {pos, bad};
    }

    // Returns the stream's error once it has failed (also passed to on_error).
    Status feed(std::span<const std::uint8_t> chunk);
    // End of stream: a partial frame (or unfinished bootstrap) is Errc::truncated,
    // reported to on_error and returned. An empty stream is fine. Call once.
    Status finish();

    std::uint64_t offset() const noexcept { return consumed_; } // bytes fed so far
    bool failed() const noexcept { return error_ != nullptr; }
    bool in_frames() const noexcept;
    // Heap bytes this decoder holds now (assembly and bootstrap buffers), for
    // callers that keep many decoders and want to watch their footprint.
    std::size_t heap_bytes() const noexcept;

private:
    enum class Phase : std::uint8_t { detect, lines, preamble, header, payload };
    struct Bootstrap; // line buffer and inflater (stream_bootstrap.hpp), only while bootstrapping

    std::size_t on_detect(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base);
    std::size_t on_lines(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base);
    std::size_t on_preamble(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base);
    std::size_t on_frames(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base);
    std::size_t on_payload(const std::uint8_t* p, std::size_t n, std::size_t pos);
    std::size_t run(const std::uint8_t* p, std::size_t n, std::size_t pos, std::uint64_t base);
    void enter(Phase ph);
    bool header_ok(const std::uint8_t* h, std::uint64_t at);
    void fail(Error e);

    void begin(); // enters the phase opt_.start names
    StreamHandler* handler_; // never null
    StreamOptions opt_;
    std::uint64_t consumed_ = 0;
    std::uint64_t frame_offset_ = 0;    // of the frame being assembled
    std::unique_ptr<Bootstrap> boot_;   // null once in frames
    std::unique_ptr<Error> error_;      // set once the stream has failed
    std::vector<std::uint8_t> buf_;     // payload assembled across chunks
    Header hdr_{};                      // of the frame being assembled
    HeaderBytes hb_{};                  // header (or detection) bytes split across chunks
    std::uint8_t hb_fill_ = 0;
    Phase phase_ = Phase::detect;
    bool finished_ = false;
};

// Convenience for tests and small tools: decode a whole buffer (feed + finish).
struct DecodedStream {
    struct Item {
        enum class Kind : std::uint8_t { message, bootstrap, error };
        Kind kind = Kind::message;
        Header header{};
        std::vector<std::uint8_t> payload;
        BootstrapEvent bootstrap{BootstrapKind::noise}; // its text is moved to `text`
        std::string text;
        Error err{Errc::truncated, {}, 0};
        std::uint64_t offset = 0;
    };
    std::vector<Item> items;
};
DecodedStream decode_all(std::span<const std::uint8_t> bytes, StreamOptions opt = {});

} // namespace mitokit
