// TCP segments in, mitogen frames out. A direction of a child link starts with the
// bootstrap (libproto's StreamDecoder in detect mode finds where it ends); from
// there tcp_dissect_pdus cuts the byte stream into frames by their header.
#include "dissector.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <string>

#include "conversation_state.hpp"
#include "mitokit/frame.hpp"
#include "mitokit/stream_decoder.hpp"
#include "pdu.hpp"
#include "registry.hpp"
#include "text.hpp"
#include "wmem_object.hpp"

namespace mitokit::ws {

namespace {

std::span<const std::uint8_t> captured_bytes(tvbuff_t* tvb, int offset, int len) {
    if (len <= 0) return {};
    return {tvb_get_ptr(tvb, offset, len), static_cast<std::size_t>(len)};
}

bool starts_with(tvbuff_t* tvb, const char* text) {
    const int n = static_cast<int>(std::strlen(text));
    return tvb_captured_length(tvb) >= static_cast<guint>(n) && tvb_memeql(tvb, 0, reinterpret_cast<const guint8*>(text), n) == 0;
}

bool contains_marker(tvbuff_t* tvb) {
    const int len = static_cast<int>(tvb_captured_length(tvb));
    const guint8* p = tvb_get_ptr(tvb, 0, len);
    static constexpr std::string_view marker = "MITO00";
    return std::search(p, p + len, marker.begin(), marker.end()) != p + len;
}

// Valid UTF-8 without control characters other than tab, CR and LF, ending a line
// (or short enough to be the start of one): what a banner before MITO000 looks like.
bool looks_like_text_lines(tvbuff_t* tvb) {
    constexpr int MAX_UNTERMINATED = 256;
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (len == 0) return false;
    const guint8* p = tvb_get_ptr(tvb, 0, len);
    bool newline = false;
    for (int i = 0; i < len; ++i) {
        const guint8 c = p[i];
        if (c == '\n') newline = true;
        else if (c < 0x20 && c != '\r' && c != '\t') return false;
        else if (c == 0x7f) return false;
    }
    // A UTF-8 sequence cut at the segment's end is still text.
    const gchar* end = nullptr;
    if (!g_utf8_validate(reinterpret_cast<const gchar*>(p), len, &end) && len - (end - reinterpret_cast<const gchar*>(p)) >= 4)
        return false;
    return newline || len < MAX_UNTERMINATED;
}

// How a direction whose first bytes are not a frame header begins. A child's
// bootstrap output has a MITO00x marker (perhaps after noise lines); the parent's
// preamble starts with a zlib header (CMF 0x78, FCHECK making it a multiple of 31);
// a capture that began inside a frame has a plausible header somewhere later.
enum class Start { bootstrap, midstream };

Start classify_start(tvbuff_t* tvb, int& first_header) {
    first_header = -1;
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (len >= 2) {
        const guint8 a = tvb_get_guint8(tvb, 0);
        const guint8 b = tvb_get_guint8(tvb, 1);
        if (a == 0x78 && ((a << 8) | b) % 31 == 0) return Start::bootstrap;
    }
    if (contains_marker(tvb)) return Start::bootstrap;
    first_header = find_frame_chain(tvb, 1);
    if (first_header >= 0) return Start::midstream;
    // Text without a marker yet: noise lines (an ssh banner) before MITO000. A capture
    // that began inside a big frame can start with a printable byte too, so the whole
    // segment must read as lines of text.
    return looks_like_text_lines(tvb) ? Start::bootstrap : Start::midstream;
}

// The first-pass decision for one segment of a direction that is not (yet) in frames.
SegmentInfo* classify_segment(tvbuff_t* tvb, packet_info* pinfo, Direction& d) {
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (d.mode == Direction::Mode::unknown) {
        // Frames from the first byte (listener links, fork children after MITO002), a
        // bootstrap to follow, or a capture that started inside a frame.
        if (plausible_header(tvb, 0) || (len < static_cast<int>(HEADER_SIZE) && plausible_header_prefix(tvb))) {
            d.mode = Direction::Mode::frames;
        } else if (int first_header = -1; classify_start(tvb, first_header) == Start::bootstrap) {
            d.mode = Direction::Mode::bootstrap;
        } else {
            auto* si = wmem_make<SegmentInfo>(wmem_file_scope());
            si->stream_offset = d.stream_pos;
            si->midstream = true;
            si->boot_len = static_cast<std::uint32_t>(first_header >= 0 ? first_header : len);
            if (first_header >= 0) d.mode = Direction::Mode::frames;
            d.stream_pos += static_cast<std::uint64_t>(len);
            p_add_proto_data(wmem_file_scope(), pinfo, registry().proto, 0, si);
            return si;
        }
        if (d.mode == Direction::Mode::bootstrap) {
            d.collector = std::make_unique<Direction::Collector>();
            StreamOptions opt;
            opt.start = StreamStart::detect;
            opt.max_message_size = registry().prefs.max_message_size;
            d.decoder = std::make_unique<StreamDecoder>(*d.collector, opt);
        }
    }
    if (d.mode == Direction::Mode::frames) return nullptr;

    auto* si = wmem_make<SegmentInfo>(wmem_file_scope());
    si->stream_offset = d.stream_pos;
    p_add_proto_data(wmem_file_scope(), pinfo, registry().proto, 0, si);
    if (d.mode == Direction::Mode::failed) {
        si->after_failure = true;
        d.stream_pos += static_cast<std::uint64_t>(len);
        return si;
    }

    const std::uint64_t seg_start = d.stream_pos;
    d.collector->events.clear();
    Status st = d.decoder->feed(captured_bytes(tvb, 0, len));
    d.stream_pos += static_cast<std::uint64_t>(len);
    si->events = std::move(d.collector->events);
    // An error in the frames after MITO002 is the frames' business: tcp_dissect_pdus
    // shows that frame with its own expert info.
    if (!st && !d.decoder->in_frames()) {
        si->error = st.error().message;
        si->boot_len = static_cast<std::uint32_t>(len);
        d.mode = Direction::Mode::failed;
        d.failed_frame = pinfo->num;
        d.decoder.reset();
        d.collector.reset();
        return si;
    }
    if (d.decoder->in_frames()) {
        std::uint64_t frames_at = seg_start;
        for (const BootItem& e : si->events) frames_at = std::max(frames_at, e.stream_offset + e.length);
        si->boot_len = static_cast<std::uint32_t>(std::min<std::uint64_t>(frames_at - seg_start, static_cast<std::uint64_t>(len)));
        d.mode = Direction::Mode::frames;
        d.decoder.reset();
        d.collector.reset();
    } else {
        si->boot_len = static_cast<std::uint32_t>(len);
    }
    return si;
}

void show_bootstrap(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, const SegmentInfo& si) {
    Registry& r = registry();
    const int boot_len = static_cast<int>(si.boot_len);
    proto_item* ti = proto_tree_add_item(tree, r.proto, tvb, 0, boot_len, ENC_NA);
    proto_item_append_text(ti, ", Bootstrap");
    proto_tree* bt = proto_item_add_subtree(ti, r.ett.bootstrap);
    int covered = 0;
    for (const BootItem& e : si.events) {
        // Offsets within this segment; an event that began earlier starts at 0 here.
        const std::uint64_t start = std::max(e.stream_offset, si.stream_offset);
        const int at = static_cast<int>(std::min<std::uint64_t>(start - si.stream_offset, static_cast<std::uint64_t>(boot_len)));
        const std::uint64_t end = e.stream_offset + e.length;
        const int n = static_cast<int>(std::min<std::uint64_t>(end > start ? end - start : 0, static_cast<std::uint64_t>(boot_len - at)));
        proto_item* ki = proto_tree_add_uint(bt, r.hf.boot_kind, tvb, at, n, static_cast<guint32>(e.kind));
        proto_tree* kt = proto_item_add_subtree(ki, r.ett.bootstrap);
        switch (e.kind) {
        case BootstrapKind::mito000:
        case BootstrapKind::mito001:
        case BootstrapKind::mito002: {
            const char* m = bootstrap_kind_name(e.kind);
            proto_tree_add_string(kt, r.hf.boot_marker, tvb, at, n, m);
            col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", m);
            break;
        }
        case BootstrapKind::preamble: {
            proto_item* pi = proto_tree_add_uint64(kt, r.hf.boot_preamble_size, tvb, at, n, e.length);
            if (e.stream_offset < si.stream_offset) proto_item_append_text(pi, " (began in an earlier segment)");
            proto_tree_add_uint64(kt, r.hf.boot_inflated_size, tvb, at, n, e.inflated_size);
            if (!e.text.empty()) proto_tree_add_string(kt, r.hf.boot_config, tvb, at, n, valid_utf8(e.text).c_str());
            col_append_sep_fstr(pinfo->cinfo, COL_INFO, ", ", "Preamble (%" PRIu64 " bytes, inflates to %" PRIu64 ")",
                                e.length, e.inflated_size);
            break;
        }
        case BootstrapKind::noise:
            proto_tree_add_string(kt, r.hf.boot_noise, tvb, at, n, valid_utf8(e.text).c_str());
            col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Bootstrap noise");
            break;
        }
        covered = std::max(covered, at + n);
    }
    if (covered < boot_len && si.error.empty()) {
        proto_tree_add_item(bt, r.hf.boot_continuation, tvb, covered, boot_len - covered, ENC_NA);
        if (si.events.empty()) col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Bootstrap data (continued)");
    }
    if (!si.error.empty()) {
        expert_add_info_format(pinfo, ti, &r.ei.bootstrap, "Bootstrap cannot be decoded: %s", valid_utf8(si.error).c_str());
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "Bootstrap error");
    }
}

// Where this call's bytes start in the TCP sequence space: a segment's own call
// may start past bytes TCP gave to an earlier frame (nxtseq is the segment's end).
std::optional<std::uint32_t> first_seq(tvbuff_t* tvb, const tcpinfo* tcp) {
    if (!tcp || tcp->is_reassembled) return std::nullopt;
    return tcp->nxtseq - static_cast<std::uint32_t>(tvb_reported_length(tvb));
}

// After tcp_dissect_pdus on the first pass: the sequence number of the next frame,
// or of the end of the frame TCP now reassembles (a lower bound while it waits for
// one more segment), and where that reassembly begins. `len` bytes from `start`
// (or, reassembled, from where the reassembly began) were given, frames from `base`.
void note_next_seq(Direction& d, packet_info* pinfo, std::optional<std::uint32_t> start, int len, int base) {
    if (d.mode != Direction::Mode::frames) return;
    if (!start) start = d.reassembly_seq;
    if (!start) return;
    const std::uint32_t end = *start + static_cast<std::uint32_t>(len);
    if (!pinfo->desegment_len) {
        d.next_seq = end;
        d.reassembly_seq.reset();
        return;
    }
    d.reassembly_seq = *start + static_cast<std::uint32_t>(base) + pinfo->desegment_offset;
    const bool open_ended = pinfo->desegment_len == DESEGMENT_ONE_MORE_SEGMENT || pinfo->desegment_len == DESEGMENT_UNTIL_FIN;
    d.next_seq = open_ended ? end : end + pinfo->desegment_len;
}

SegmentInfo* resync_segment(tvbuff_t* tvb, packet_info* pinfo, Direction& d) {
    const int len = static_cast<int>(tvb_captured_length(tvb));
    auto* si = wmem_make<SegmentInfo>(wmem_file_scope());
    si->stream_offset = d.stream_pos;
    si->midstream = true;
    si->after_gap = true;
    const int first_header = find_frame_chain(tvb, 0);
    si->boot_len = static_cast<std::uint32_t>(first_header >= 0 ? first_header : len);
    if (first_header >= 0) d.mode = Direction::Mode::frames;
    d.stream_pos += static_cast<std::uint64_t>(len);
    p_add_proto_data(wmem_file_scope(), pinfo, registry().proto, 0, si);
    return si;
}

int dissect_segment(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
    Registry& r = registry();
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Mitogen");
    // Messages already shown for this frame (an earlier call) sit behind the fence.
    col_clear(pinfo->cinfo, COL_INFO);

    ConversationState& cs = conversation_state(pinfo);
    Direction& d = cs.direction(pinfo);
    auto* si = static_cast<SegmentInfo*>(p_get_proto_data(wmem_file_scope(), pinfo, r.proto, 0));
    const auto start = first_seq(tvb, static_cast<const tcpinfo*>(data));
    const int len = static_cast<int>(tvb_captured_length(tvb));
    if (!si && !PINFO_FD_VISITED(pinfo)) {
        // Bytes before this segment are missing from the capture: whatever frame or
        // bootstrap line they held is lost, and frames resume at the next header.
        const bool gap = start && d.next_seq && static_cast<std::int32_t>(*start - *d.next_seq) > 0;
        if (gap && (d.mode == Direction::Mode::frames || d.mode == Direction::Mode::bootstrap)) {
            d.mode = Direction::Mode::resync;
            d.reassembly_seq.reset();
            d.decoder.reset();
            d.collector.reset();
        }
        if (d.mode == Direction::Mode::resync) si = resync_segment(tvb, pinfo, d);
        else if (d.mode != Direction::Mode::frames) si = classify_segment(tvb, pinfo, d);
        if (start && d.mode != Direction::Mode::frames) {
            // Bootstrap bytes and skipped bytes are accounted for segment by segment.
            d.next_seq = *start + static_cast<std::uint32_t>(len);
        }
    }

    if (si && si->after_failure) {
        proto_item* ti = proto_tree_add_item(tree, r.proto, tvb, 0, -1, ENC_NA);
        proto_tree* st = proto_item_add_subtree(ti, r.ett.proto);
        proto_item* ui = proto_tree_add_item(st, r.hf.undissected, tvb, 0, -1, ENC_NA);
        expert_add_info(pinfo, ui, &r.ei.after_failure);
        col_set_str(pinfo->cinfo, COL_INFO, "Data after the connection was dropped");
        return len;
    }
    if (si && si->midstream && si->boot_len > 0) {
        proto_item* ti = proto_tree_add_item(tree, r.proto, tvb, 0, static_cast<int>(si->boot_len), ENC_NA);
        proto_tree* st = proto_item_add_subtree(ti, r.ett.proto);
        proto_tree_add_item(st, r.hf.midstream, tvb, 0, static_cast<int>(si->boot_len), ENC_NA);
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ",
                           si->after_gap ? "Data after segments missing from the capture"
                                         : "End of a frame begun before the capture");
        col_set_fence(pinfo->cinfo, COL_INFO);
    } else if (si && !si->midstream && si->boot_len > 0) {
        show_bootstrap(tvb, pinfo, tree, *si);
    }
    int base = 0;
    tvbuff_t* frames = tvb;
    if (si) {
        if (static_cast<int>(si->boot_len) >= len) return len;
        base = static_cast<int>(si->boot_len);
        frames = tvb_new_subset_remaining(tvb, base);
    }
    tcp_dissect_pdus(frames, pinfo, tree, TRUE, static_cast<guint>(HEADER_SIZE), pdu_length, dissect_pdu, data);
    if (!PINFO_FD_VISITED(pinfo)) note_next_seq(d, pinfo, start, len, base);
    // tcp_dissect_pdus speaks in offsets of the tvb it was given.
    if (base && pinfo->desegment_len) pinfo->desegment_offset += base;
    return len;
}

} // namespace

int dissect_mitogen(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
    // No C++ exception may cross into epan's C frames.
    try {
        return dissect_segment(tvb, pinfo, tree, data);
    } catch (const std::exception& e) {
        proto_tree_add_expert_format(tree, pinfo, &registry().ei.malformed_pickle, tvb, 0, -1,
                                     "Internal error in the mitogen dissector: %s", e.what());
        return static_cast<int>(tvb_captured_length(tvb));
    }
}

gboolean dissect_mitogen_heur(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
    // A link's first segment may hold less than a header; accept a plausible start
    // there only (relative sequence 1), where a frame must begin.
    const auto* tcp = static_cast<const tcpinfo*>(data);
    const bool first_segment = tcp && tcp->seq == 1;
    if (!(starts_with(tvb, "MITO000\n") || starts_with(tvb, "MITO002\n") || plausible_header(tvb, 0) ||
          (first_segment && plausible_header_prefix(tvb))))
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), registry().handle);
    dissect_mitogen(tvb, pinfo, tree, data);
    return TRUE;
}

} // namespace mitokit::ws
