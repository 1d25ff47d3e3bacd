// Per-TCP-conversation state, kept as epan conversation data (file scope):
// where each direction's frames begin after the child bootstrap, whether a
// direction was dropped after corruption, and the request/response tables.
// Filled on the first, in-order pass; later passes only read it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mitokit/stream_decoder.hpp"
#include "ws_includes.hpp"

namespace mitokit::ws {

// One bootstrap event as found on the first pass, for display in its frame.
struct BootItem {
    BootstrapKind kind;
    std::uint64_t stream_offset; // in the direction's byte stream
    std::uint64_t length;
    std::uint64_t inflated_size;
    std::string text;            // noise lines: their text (capped)
};

// What the first pass decided about one TCP segment that was not plain frames.
struct SegmentInfo {
    std::uint32_t boot_len = 0;  // leading bytes of the segment that belong to the bootstrap
    bool after_failure = false;  // the direction was dropped earlier: nothing to dissect
    bool midstream = false;      // the leading boot_len bytes end a frame that began before the capture
    bool after_gap = false;      // ... or a frame whose start was lost with segments missing from the capture
    std::uint64_t stream_offset = 0;
    std::vector<BootItem> events; // events that ended in this segment
    std::string error;            // bootstrap decoding failed in this segment
};

struct Direction {
    // resync: segments were lost; frames resume at the next plausible header.
    enum class Mode : std::uint8_t { unknown, bootstrap, frames, failed, resync };
    Mode mode = Mode::unknown;
    std::uint64_t stream_pos = 0; // bytes seen on the first pass
    std::uint32_t failed_frame = 0;
    // TCP sequence number (relative) where the next byte not yet accounted for
    // begins (the next frame, or the end of the frame being reassembled), when
    // known: a segment starting past it follows bytes missing from the capture.
    // While TCP waits for "one more segment" only a lower bound is known (the end
    // of the segment that asked), which is enough to tell a segment after a hole.
    std::optional<std::uint32_t> next_seq;
    // Where the frame TCP reassembles begins: a reassembled buffer carries no
    // sequence number of its own, and starts there.
    std::optional<std::uint32_t> reassembly_seq;

    struct Collector final : StreamHandler {
        std::vector<BootItem> events;
        void on_message(const MessageView&) override {}
        void on_bootstrap(const BootstrapEvent& e) override;
    };
    std::unique_ptr<Collector> collector;
    std::unique_ptr<StreamDecoder> decoder;
};

// A call (any message with a reply_to handle) and what answered it.
struct Transaction {
    std::uint32_t request_frame = 0;
    nstime_t request_time{};
    std::uint32_t request_handle = 0;
    std::uint32_t reply_frame = 0;
    nstime_t reply_time{};
    std::uint32_t dead_frame = 0;
    std::string dead_reason;
};

// One message: its frame and its place among the frame's messages (a segment
// may carry several GET_MODULEs or LOAD_MODULEs).
struct PduRef {
    std::uint32_t frame = 0;
    std::uint32_t index = 0;
    explicit operator bool() const { return frame != 0; }
    friend bool operator==(const PduRef&, const PduRef&) = default;
};

// A GET_MODULE and the LOAD_MODULE that answered it.
struct ModuleRequest {
    PduRef get;
    PduRef load;
    std::vector<PduRef> duplicates;
};

struct ConversationState {
    address first_src{};
    guint32 first_port = 0;
    bool first_set = false;
    Direction dirs[2];

    // (requester context << 32 | reply handle) -> transaction
    std::unordered_map<std::uint64_t, Transaction> calls;
    // (requesting child context, fullname) -> request
    std::map<std::pair<std::uint32_t, std::string>, ModuleRequest> modules;

    Direction& direction(packet_info* pinfo);
};

ConversationState& conversation_state(packet_info* pinfo);

inline std::uint64_t call_key(std::uint32_t context, std::uint32_t handle) {
    return (std::uint64_t{context} << 32) | handle;
}

} // namespace mitokit::ws
