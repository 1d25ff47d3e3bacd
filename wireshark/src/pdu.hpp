// One mitogen frame: the callbacks tcp_dissect_pdus uses, and the header check
// the heuristic and the bootstrap/frames decision share.
#pragma once

#include "ws_includes.hpp"

namespace mitokit::ws {

// True if a header that the reference would accept starts at `offset`, with
// context ids and handles in the ranges a real tree uses.
bool plausible_header(tvbuff_t* tvb, int offset);

// 26 + length, or everything left in the tvb for a header the reference would
// drop the connection over (bad encoding, over-size length).
guint pdu_length(packet_info* pinfo, tvbuff_t* tvb, int offset, void* data);

int dissect_pdu(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data);

} // namespace mitokit::ws
