// The payload of one frame: libproto's typed parse (payload::parse_any) turned into
// fields, a value tree for pickles, expert infos for what the receiver would refuse,
// and the facts request/response tracking needs.
#pragma once

#include <span>
#include <string>

#include "mitokit/frame.hpp"
#include "ws_includes.hpp"

namespace mitokit::ws {

struct PayloadFacts {
    std::string summary;       // for the Info column
    bool is_get_module = false;
    bool is_load_module = false;
    std::string module_name;   // GET_MODULE / LOAD_MODULE fullname
    bool is_dead = false;
    std::string dead_reason;
    bool call_error = false;
};

struct PayloadSpot {
    tvbuff_t* tvb;
    packet_info* pinfo;
    proto_tree* tree;   // the frame's subtree (may be null: no tree wanted)
    proto_item* item;   // the frame's item, for expert infos
    int offset;         // of the payload in tvb
    std::uint32_t pdu_index = 0;      // the message's place among its frame's messages
    std::uint32_t answers_handle = 0; // for a reply: the handle of the request it answers, if seen
};

PayloadFacts show_payload(const PayloadSpot& at, const Header& h, std::span<const std::uint8_t> payload);

} // namespace mitokit::ws
