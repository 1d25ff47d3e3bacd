#include "tracking.hpp"

#include <algorithm>
#include <string>

#include "conversation_state.hpp"
#include "mitokit/handles.hpp"
#include "registry.hpp"
#include "text.hpp"

namespace mitokit::ws {

namespace {

bool wants_reply(const Header& h) { return h.reply_to != 0 && h.reply_to != handle::IS_DEAD; }

void record_first_pass(ConversationState& cs, packet_info* pinfo, const Header& h, const PayloadFacts& f,
                       PduRef self) {
    const std::uint32_t num = pinfo->num;
    if (wants_reply(h)) {
        Transaction& t = cs.calls[call_key(h.src_id, h.reply_to)];
        if (t.request_frame == 0) {
            t.request_frame = num;
            t.request_time = pinfo->abs_ts;
            t.request_handle = h.handle;
        }
    }
    auto it = cs.calls.find(call_key(h.dst_id, h.handle));
    if (it != cs.calls.end() && it->second.request_frame != num) {
        Transaction& t = it->second;
        if (h.is_dead()) {
            if (t.dead_frame == 0) {
                t.dead_frame = num;
                t.dead_reason = f.dead_reason;
            }
        } else if (t.reply_frame == 0) {
            t.reply_frame = num;
            t.reply_time = pinfo->abs_ts;
        }
    }
    if (f.is_get_module) {
        ModuleRequest& m = cs.modules[{h.src_id, f.module_name}];
        if (!m.get) m.get = self;
        else if (!(m.get == self)) m.duplicates.push_back(self);
    }
    if (f.is_load_module) {
        auto mt = cs.modules.find({h.dst_id, f.module_name});
        if (mt != cs.modules.end() && !mt->second.load) mt->second.load = self;
    }
}

proto_item* add_frame(const PayloadSpot& at, int hf, std::uint32_t frame) {
    proto_item* it = proto_tree_add_uint(at.tree, hf, at.tvb, 0, 0, frame);
    proto_item_set_generated(it);
    return it;
}

void add_time(const PayloadSpot& at, const nstime_t& since) {
    nstime_t delta;
    nstime_delta(&delta, &at.pinfo->abs_ts, &since);
    proto_item* it = proto_tree_add_time(at.tree, registry().hf.time, at.tvb, 0, 0, &delta);
    proto_item_set_generated(it);
}

} // namespace

std::uint32_t answered_handle(packet_info* pinfo, const Header& h) {
    if (h.handle < handle::FIRST_DYNAMIC) return 0;
    ConversationState& cs = conversation_state(pinfo);
    auto it = cs.calls.find(call_key(h.dst_id, h.handle));
    if (it == cs.calls.end() || it->second.request_frame == 0 || it->second.request_frame > pinfo->num) return 0;
    return it->second.request_handle;
}

void track_message(const PayloadSpot& at, const Header& h, const PayloadFacts& f) {
    Registry& r = registry();
    ConversationState& cs = conversation_state(at.pinfo);
    const std::uint32_t num = at.pinfo->num;
    const PduRef self{num, at.pdu_index};
    if (!PINFO_FD_VISITED(at.pinfo)) record_first_pass(cs, at.pinfo, h, f, self);

    if (wants_reply(h)) {
        auto it = cs.calls.find(call_key(h.src_id, h.reply_to));
        if (it != cs.calls.end() && it->second.request_frame == num) {
            const Transaction& t = it->second;
            if (t.reply_frame) add_frame(at, r.hf.response_in, t.reply_frame);
            if (t.dead_frame) {
                add_frame(at, r.hf.dead_in, t.dead_frame);
                proto_tree_add_expert_format(at.tree, at.pinfo, &r.ei.dead_reply, at.tvb, 0, 0,
                                             "Answered by a dead reply in frame %u: %s", t.dead_frame,
                                             t.dead_reason.empty() ? "(no reason)" : t.dead_reason.c_str());
            }
        }
    }
    auto it = cs.calls.find(call_key(h.dst_id, h.handle));
    if (it != cs.calls.end() && it->second.request_frame != 0 && it->second.request_frame < num) {
        add_frame(at, r.hf.request_in, it->second.request_frame);
        add_time(at, it->second.request_time);
    }
    if (h.is_dead()) {
        proto_tree_add_expert_format(at.tree, at.pinfo, &r.ei.dead_reply, at.tvb, 0, 0, "Dead message: %s",
                                     f.dead_reason.empty() ? "(no reason)" : f.dead_reason.c_str());
    }
    if (f.is_get_module) {
        auto mt = cs.modules.find({h.src_id, f.module_name});
        if (mt != cs.modules.end()) {
            const ModuleRequest& m = mt->second;
            if (m.get == self && m.load) add_frame(at, r.hf.load_module_in, m.load.frame);
            if (std::find(m.duplicates.begin(), m.duplicates.end(), self) != m.duplicates.end()) {
                proto_tree_add_expert_format(at.tree, at.pinfo, &r.ei.duplicate_get_module, at.tvb, 0, 0,
                                             "Duplicate GET_MODULE for %s (first asked in frame %u)",
                                             valid_utf8(f.module_name).c_str(), m.get.frame);
            }
        }
    }
    if (f.is_load_module) {
        auto mt = cs.modules.find({h.dst_id, f.module_name});
        if (mt != cs.modules.end() && mt->second.load == self) {
            add_frame(at, r.hf.get_module_in, mt->second.get.frame);
        } else {
            proto_item* u = proto_tree_add_boolean(at.tree, r.hf.related_of, at.tvb, 0, 0, TRUE);
            proto_item_set_generated(u);
        }
    }
}

} // namespace mitokit::ws
