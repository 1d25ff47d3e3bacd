// `mitokit replay`: re-sends one side of a captured conversation (pcap/pcapng,
// TCP reassembled by capture/) into a live peer as a UNIX client, and reports,
// request by request, where the live answers differ from the captured ones.
//
// What is re-sent: every frame of the chosen direction except answers to the
// other side (replies, dead messages, LOAD_MODULE) and SHUTDOWN (it would end
// the live context) unless asked. The sender's captured ID (the src_id of its
// first frame) becomes our live ID in src_id and auth_id; other IDs are kept
// (context 1 in the capture is the live peer's context 1). 0.3.39+ frames (MJ,
// MK) are re-sent as 0.3.3 MI frames unless keep_encoding.
// An answer is: the frame to the request's reply_to handle, or for GET_MODULE
// the LOAD_MODULE frames up to the one for the requested name. Values compare as
// canonical JSON, CallErrors by their first line, modules by their summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mitokit/conformance/report.hpp"
#include "mitokit/result.hpp"

namespace mitokit::conformance {

struct ReplayOptions {
    std::string capture_path;
    std::string socket_path;
    std::optional<std::uint32_t> conversation; // default: the first with frames both ways
    std::optional<bool> send_client_side;      // c2s (true) / s2c; default: the side that sent the first frame
    std::map<std::uint32_t, std::uint32_t> id_map; // captured context ID -> live one (dst, src, auth)
    bool shutdown = false;                     // also re-send SHUTDOWN
    bool keep_encoding = false;
    std::chrono::milliseconds reply_timeout{10000};
    std::chrono::milliseconds silence{500};
    std::chrono::milliseconds connect_timeout{5000};
    std::uint32_t max_message_size = 128u * 1048576u;
};

// One row per request that has an answer relation, then a summary row
// ("replay.sent"). Errors: unreadable capture, no such conversation, nothing to
// send, or no connection.
Result<std::vector<CaseResult>> run_replay(const ReplayOptions& opt);

} // namespace mitokit::conformance
