// The incremental stream decoder for one direction of a mitogen link, in the
// callback style of llhttp/nghttp2: feed() any chunking of the bytes, get the same
// events. No I/O, no threads, no exceptions.
//
// Payloads are views into the chunk passed to feed() when a frame lies wholly in
// it (no copy); otherwise the decoder assembles the frame in its own buffer. Views
// are valid only during the callback.
//
// A bad encoding/magic or an over-size length ends the stream (the reference drops
// the connection): on_error is called once with the byte offset, and later feed()
// calls are ignored. A frame cut short by end of stream is reported by finish().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
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
enum class BootstrapKind : std::uint8_t {
    noise,    // a line before a marker (ssh banner, shell output); tolerated
    mito000,  // child -> parent: first stage is ready for the preamble
    preamble, // parent -> child: the zlib-compressed core source + config
    mito001,  // child -> parent: first stage has passed the source on
    mito002,  // child -> parent: ExternalContext is up; frames follow
};

const char* bootstrap_kind_name(BootstrapKind k) noexcept;

struct BootstrapEvent {
    BootstrapKind kind;
    std::uint64_t offset = 0; // first byte of the event in the stream
    std::uint64_t length = 0; // bytes it occupies on the wire
    std::uint64_t inflated_size = 0; // preamble only: size of the decompressed source
};

class StreamHandler {
public:
    virtual ~StreamHandler() = default;
    virtual void on_message(const MessageView& msg) = 0;
    virtual void on_bootstrap(const BootstrapEvent&) {}
    virtual void on_error(const Error&) {}
};

enum class StreamStart : std::uint8_t {
    frames, // frames from the first byte (UNIX listener links, mid-stream captures)
    detect, // a child link from connect time: bootstrap lines or a preamble may come first
};

struct StreamOptions {
    std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
    StreamStart start = StreamStart::detect;
    std::uint64_t max_preamble_inflated = 64u << 20; // cap on the decompressed preamble
    std::uint32_t max_bootstrap_line = 64u << 10;    // longest noise line before a marker
};

class StreamDecoder {
public:
    StreamDecoder(StreamHandler& handler, StreamOptions opt = {});
    ~StreamDecoder();
    StreamDecoder(const StreamDecoder&) = delete;
    StreamDecoder& operator=(const StreamDecoder&) = delete;

    // Returns the stream's error once it has failed (also passed to on_error).
    Status feed(std::span<const std::uint8_t> chunk);
    // End of stream: a partial frame (or unfinished bootstrap) is Errc::truncated.
    Status finish();

    std::uint64_t offset() const noexcept { return consumed_; }
    bool failed() const noexcept { return failed_; }
    bool in_frames() const noexcept;

private:
    struct State; // defined in stream_decoder.cpp; small, since the simulator keeps two per link
    std::unique_ptr<State> st_;
    StreamHandler& handler_;
    StreamOptions opt_;
    std::uint64_t consumed_ = 0;
    bool failed_ = false;
    Error error_{Errc::truncated, {}, 0};
};

// Convenience for tests and small tools: decode a whole buffer.
struct DecodedStream {
    struct Item {
        enum Kind : std::uint8_t { message, bootstrap, error } kind;
        Header header{};
        std::vector<std::uint8_t> payload;
        BootstrapEvent bootstrap{BootstrapKind::noise};
        Error err{Errc::truncated, {}, 0};
        std::uint64_t offset = 0;
    };
    std::vector<Item> items;
};
DecodedStream decode_all(std::span<const std::uint8_t> bytes, StreamOptions opt = {});

} // namespace mitokit
