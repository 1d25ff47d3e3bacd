#include "pdu.hpp"

#include <algorithm>
#include <limits>
#include <span>
#include <string>

#include "conversation_state.hpp"
#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"
#include "payload_view.hpp"
#include "registry.hpp"
#include "stats.hpp"
#include "text.hpp"
#include "tracking.hpp"

namespace mitokit::ws {

namespace {

std::span<const std::uint8_t> header_bytes(tvbuff_t* tvb, int offset) {
    return {tvb_get_ptr(tvb, offset, static_cast<int>(HEADER_SIZE)), HEADER_SIZE};
}

bool has_header(tvbuff_t* tvb, int offset) {
    return tvb_captured_length_remaining(tvb, offset) >= static_cast<gint>(HEADER_SIZE);
}

std::string direction_text(const Header& h) {
    return std::to_string(h.src_id) + "\xe2\x86\x92" + std::to_string(h.dst_id);
}

std::string handle_text(const Header& h) {
    if (h.is_dead()) return "DEAD " + std::to_string(h.handle);
    std::string_view name = handle_name(h.handle);
    if (!name.empty()) return std::string(name);
    return (h.handle >= handle::FIRST_DYNAMIC ? "Reply " : "Handle ") + std::to_string(h.handle);
}

// Counts the messages dissected in this frame on this pass (per-packet scope).
std::uint32_t next_pdu_index(packet_info* pinfo) {
    const int proto = registry().proto;
    auto* n = static_cast<std::uint32_t*>(p_get_proto_data(pinfo->pool, pinfo, proto, 1));
    if (!n) {
        n = wmem_new0(pinfo->pool, std::uint32_t);
        p_add_proto_data(pinfo->pool, pinfo, proto, 1, n);
    }
    return (*n)++;
}

bool wants_reply_text(const Header& h) { return h.reply_to != 0 && !h.is_dead(); }

void mark_failed(packet_info* pinfo) {
    if (PINFO_FD_VISITED(pinfo)) return;
    Direction& d = conversation_state(pinfo).direction(pinfo);
    d.mode = Direction::Mode::failed;
    d.failed_frame = pinfo->num;
}

void add_header_fields(proto_tree* ht, tvbuff_t* tvb) {
    const Hf& f = registry().hf;
    proto_tree_add_item(ht, f.encoding, tvb, 0, 2, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.dst, tvb, 2, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.src, tvb, 6, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.auth, tvb, 10, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.handle, tvb, 14, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.reply_to, tvb, 18, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(ht, f.length, tvb, 22, 4, ENC_BIG_ENDIAN);
}

// A header the reference drops the connection over: show it, flag it, and stop
// dissecting this direction.
int dissect_fatal_header(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const Error& err) {
    Registry& r = registry();
    proto_item* ti = proto_tree_add_item(tree, r.proto, tvb, 0, -1, ENC_NA);
    proto_tree* pt = proto_item_add_subtree(ti, r.ett.proto);
    // Not shown as mitogen.* header fields: the reference never takes this for a message.
    proto_tree_add_item(pt, r.hf.undissected, tvb, 0, -1, ENC_NA);
    expert_field* ei = err.code == Errc::oversize ? &r.ei.oversize : &r.ei.bad_encoding;
    proto_tree_add_expert_format(pt, pinfo, ei, tvb, static_cast<int>(std::min<std::uint64_t>(err.offset, HEADER_SIZE - 2)), 2, "%s; the reference drops the connection",
                                 valid_utf8(err.message).c_str());
    col_append_sep_str(pinfo->cinfo, COL_INFO, ", ",
                       err.code == Errc::oversize ? "Over-size frame, connection dropped" : "Bad encoding, connection dropped");
    col_set_fence(pinfo->cinfo, COL_INFO);
    mark_failed(pinfo);
    return static_cast<int>(tvb_captured_length(tvb));
}

int dissect_frame(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree) {
    Registry& r = registry();
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Mitogen");
    if (!has_header(tvb, 0)) {
        proto_tree_add_expert_format(tree, pinfo, &r.ei.malformed_pickle, tvb, 0, -1, "Frame header cut short");
        return static_cast<int>(tvb_captured_length(tvb));
    }
    auto hr = decode_header(header_bytes(tvb, 0), r.prefs.max_message_size);
    if (!hr) return dissect_fatal_header(tvb, pinfo, tree, hr.error());
    const Header& h = *hr;

    proto_item* ti = proto_tree_add_item(tree, r.proto, tvb, 0, -1, ENC_NA);
    proto_tree* pt = proto_item_add_subtree(ti, r.ett.proto);
    proto_item* hi = proto_tree_add_item(pt, r.hf.header, tvb, 0, static_cast<int>(HEADER_SIZE), ENC_NA);
    add_header_fields(proto_item_add_subtree(hi, r.ett.header), tvb);
    proto_item_append_text(hi, ": %s %s", std::string(encoding_name(h.enc)).c_str(), direction_text(h).c_str());

    const int avail = tvb_captured_length_remaining(tvb, static_cast<int>(HEADER_SIZE));
    const int plen = static_cast<int>(std::min<std::uint64_t>(h.length, static_cast<std::uint64_t>(std::max(avail, 0))));
    PayloadFacts facts;
    PayloadSpot at{tvb, pinfo, pt, ti, static_cast<int>(HEADER_SIZE), next_pdu_index(pinfo), answered_handle(pinfo, h)};
    // Always present (empty for an empty payload), so field occurrences line up per message.
    proto_item* pi = proto_tree_add_item(pt, r.hf.payload, tvb, static_cast<int>(HEADER_SIZE), plen, ENC_NA);
    at.tree = proto_item_add_subtree(pi, r.ett.payload);
    if (static_cast<std::uint32_t>(plen) < h.length) {
        // Only without TCP reassembly, or at the end of a cut capture.
        proto_tree_add_expert_format(pt, pinfo, &r.ei.malformed_pickle, tvb, 0, -1,
                                     "Payload cut short: %d of %u bytes captured", plen, h.length);
        facts.summary = "[payload cut short]";
    } else {
        std::span<const std::uint8_t> payload;
        if (plen > 0) payload = {tvb_get_ptr(tvb, static_cast<int>(HEADER_SIZE), plen), static_cast<std::size_t>(plen)};
        facts = show_payload(at, h, payload);
    }
    at.tree = pt;
    track_message(at, h, facts);

    std::string info = direction_text(h) + " " + handle_text(h);
    if (!facts.summary.empty()) info += " " + facts.summary;
    if (wants_reply_text(h)) info += " [reply_to " + std::to_string(h.reply_to) + "]";
    info = valid_utf8(info);
    proto_item_append_text(ti, ", %s", info.c_str());
    col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", info.c_str());
    col_set_fence(pinfo->cinfo, COL_INFO);

    auto* rec = wmem_new(pinfo->pool, TapRecord);
    *rec = TapRecord{h.src_id, h.dst_id, h.handle, h.reply_to, h.length};
    tap_queue_packet(r.tap, pinfo, rec);
    return static_cast<int>(tvb_captured_length(tvb));
}

} // namespace

bool plausible_header(tvbuff_t* tvb, int offset) {
    if (!has_header(tvb, offset)) return false;
    // The header and, where captured, the payload's first two bytes.
    const int n = std::min(tvb_captured_length_remaining(tvb, offset), static_cast<gint>(HEADER_SIZE) + 2);
    const auto p = plausible_frame_start({tvb_get_ptr(tvb, offset, n), static_cast<std::size_t>(n)},
                                         registry().prefs.max_message_size);
    return p != Plausibility::no; // need_more: the payload's start is not captured
}

bool plausible_header_prefix(tvbuff_t* tvb) {
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (len >= static_cast<int>(HEADER_SIZE)) return plausible_header(tvb, 0);
    if (len < 6) return false; // the encoding and the destination at least
    // The encoding and whichever IDs are complete.
    return plausible_frame_start({tvb_get_ptr(tvb, 0, len), static_cast<std::size_t>(len)}) != Plausibility::no;
}

int find_frame_chain(tvbuff_t* tvb, int from) {
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (from < 0 || from >= len) return -1;
    const std::span<const std::uint8_t> bytes{tvb_get_ptr(tvb, 0, len), static_cast<std::size_t>(len)};
    const std::uint32_t limit = registry().prefs.max_message_size;
    int k = from;
    for (; k + static_cast<int>(HEADER_SIZE) <= len; ++k) {
        if (bytes[static_cast<std::size_t>(k)] != 'M') continue; // every encoding starts with it
        if (plausible_frame_chain(bytes.subspan(static_cast<std::size_t>(k)), limit)) return k;
    }
    // A header cut by the segment's end: TCP reassembles it with the next segment.
    // Its encoding, destination and source must be there to be taken for one.
    constexpr int MIN_HEADER_PREFIX = 10;
    for (; k + MIN_HEADER_PREFIX <= len; ++k)
        if (bytes[static_cast<std::size_t>(k)] == 'M' &&
            plausible_frame_start(bytes.subspan(static_cast<std::size_t>(k)), limit) == Plausibility::need_more)
            return k;
    return -1;
}

guint pdu_length(packet_info*, tvbuff_t* tvb, int offset, void*) {
    const guint rest = tvb_reported_length_remaining(tvb, offset) > 0
                           ? static_cast<guint>(tvb_reported_length_remaining(tvb, offset)) : 0;
    if (!has_header(tvb, offset)) return static_cast<guint>(HEADER_SIZE);
    auto hr = decode_header(header_bytes(tvb, offset), registry().prefs.max_message_size);
    if (!hr || hr->length > std::numeric_limits<guint>::max() - HEADER_SIZE)
        return std::max(rest, static_cast<guint>(HEADER_SIZE));
    return static_cast<guint>(HEADER_SIZE) + hr->length;
}

int dissect_pdu(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
    try {
        return dissect_frame(tvb, pinfo, tree);
    } catch (const std::exception& e) {
        proto_tree_add_expert_format(tree, pinfo, &registry().ei.malformed_pickle, tvb, 0, -1,
                                     "Internal error in the mitogen dissector: %s", e.what());
        return static_cast<int>(tvb_captured_length(tvb));
    }
}

} // namespace mitokit::ws
