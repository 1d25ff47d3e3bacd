// Request/response tracking in Wireshark's manner: conversation tables filled on
// the first pass, links shown on every pass. A call and its reply meet on
// (caller context, reply_to handle) = (reply dst, reply handle); a GET_MODULE and
// its LOAD_MODULE on (requesting context, module name).
#pragma once

#include "mitokit/frame.hpp"
#include "payload_view.hpp"
#include "ws_includes.hpp"

namespace mitokit::ws {

void track_message(const PayloadSpot& at, const Header& h, const PayloadFacts& facts);

// For a reply seen on an earlier pass or after its request: the request's handle
// (ALLOCATE_ID, CALL_FUNCTION, ...), or 0.
std::uint32_t answered_handle(packet_info* pinfo, const Header& h);

} // namespace mitokit::ws
