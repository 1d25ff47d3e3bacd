// The TCP-level entry points: the port/Decode As dissector and the heuristic.
#pragma once

#include "ws_includes.hpp"

namespace mitokit::ws {
int dissect_mitogen(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data);
gboolean dissect_mitogen_heur(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data);
} // namespace mitokit::ws
