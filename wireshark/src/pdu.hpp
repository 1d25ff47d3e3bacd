// One mitogen frame: the callbacks tcp_dissect_pdus uses, and the header check
// the heuristic and the bootstrap/frames decision share.
#pragma once

#include "ws_includes.hpp"

namespace mitokit::ws {

// True if a header that the reference would accept starts at `offset`, with
// context ids and handles in the ranges a real tree uses.
bool plausible_header(tvbuff_t* tvb, int offset);

// For a segment shorter than a header (a link's first bytes may arrive in pieces):
// true if the bytes present could begin a plausible header.
bool plausible_header_prefix(tvbuff_t* tvb);

// Where frames resume in a segment that starts inside one (a capture begun late,
// segments lost): the first offset at or after `from` where frames start that
// agree with the rest of the segment (mitokit::plausible_frame_chain: every header
// plausible, each length leading to the next; the first header whole), or -1.
// One plausible header alone can be payload bytes; a chain that breaks is. Failing
// that, a plausible start of a header of at least 10 bytes that the segment's end cuts.
int find_frame_chain(tvbuff_t* tvb, int from);

// 26 + length, or everything left in the tvb for a header the reference would
// drop the connection over (bad encoding, over-size length).
guint pdu_length(packet_info* pinfo, tvbuff_t* tvb, int offset, void* data);

int dissect_pdu(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data);

} // namespace mitokit::ws
