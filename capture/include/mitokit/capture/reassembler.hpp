// TCP reassembly: segments in (any order, retransmitted, overlapping), each
// conversation's two byte streams out in order through callbacks. Pure: no files,
// no clock, so it can be tested and fuzzed from hand-made segments.
//
// Data that never arrives is never skipped silently: a hole still open when the
// stream must move on (end of capture, RST, or a full out-of-order buffer) is
// reported through on_gap with the conversation, direction and stream offset,
// and the data after it is delivered at its true offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mitokit/capture/segment.hpp"
#include "mitokit/result.hpp"

namespace mitokit::capture {

// The client is the side that sent the SYN; in a capture begun mid-connection,
// the sender of the first segment seen.
enum class Direction : std::uint8_t { client_to_server = 0, server_to_client = 1 };

struct Conversation {
    std::uint32_t id = 0; // in order of first appearance, from 0
    Endpoint client;
    Endpoint server;
    bool saw_syn = false; // false: captured mid-connection, stream offsets start at the first segment seen
};

// "127.0.0.1:40770-127.0.0.1:47200" (client first)
std::string conversation_name(const Conversation& c);
// "127.0.0.1:40770->127.0.0.1:47200"
std::string direction_name(const Conversation& c, Direction d);
const char* direction_short_name(Direction d) noexcept; // "c2s" / "s2c"

struct ReassemblyLimits {
    std::size_t max_buffered_bytes = 16u << 20; // out-of-order bytes held per direction
    std::size_t max_buffered_segments = 8192;   // out-of-order segments held per direction
    std::size_t max_conversations = 65536;      // conversations tracked in one capture
};

class ReassemblyHandler {
public:
    virtual ~ReassemblyHandler() = default;
    virtual void on_open(const Conversation&) {}
    // `offset` is the stream offset of bytes[0]; views are valid only during the call.
    virtual void on_data(const Conversation& c, Direction d, std::uint64_t offset,
                         std::span<const std::uint8_t> bytes) = 0;
    // Bytes from err.offset on are missing (Errc::truncated), or were given up on
    // because a limit was reached (Errc::limit). The message names the conversation,
    // direction, offset and size of the hole.
    virtual void on_gap(const Conversation&, Direction, const Error&) {}
    // The direction ended: FIN reached, RST, or finish().
    virtual void on_close(const Conversation&, Direction) {}
    // Problems not tied to one stream offset (conversation limit, data after FIN).
    virtual void on_error(const Error&) {}
};

class Reassembler {
public:
    explicit Reassembler(ReassemblyHandler& handler, ReassemblyLimits limits = {});
    ~Reassembler();
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;

    void feed(const TcpSegment& seg);
    // End of capture: reports every remaining hole as a gap, delivers what was
    // buffered behind it, and closes every open direction. Idempotent.
    void finish();

    std::size_t conversation_count() const noexcept;

private:
    struct Flow;
    struct Conv;
    Conv* find_or_open(const TcpSegment& seg);
    void close_conv(Conv& c);
    void deliver(Conv& c, Direction d, std::uint64_t at, std::span<const std::uint8_t> bytes);
    void drain(Conv& c, Direction d);
    void skip_hole(Conv& c, Direction d, Errc why, const std::string& reason);
    void maybe_close(Conv& c, Direction d);

    ReassemblyHandler& handler_;
    ReassemblyLimits limits_;
    std::vector<std::unique_ptr<Conv>> convs_;
    std::map<std::pair<Endpoint, Endpoint>, std::size_t> by_key_; // (lower, higher) -> convs_ index
    bool limit_reported_ = false;
};

} // namespace mitokit::capture
