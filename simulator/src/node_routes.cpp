// RouteMonitor (protocol-notes §4.5) and core.Router's DEL_ROUTE stub.
#include <algorithm>

#include "mitokit/payloads.hpp"
#include "node_internal.hpp"

namespace mitokit::sim {

void Node::send_route(StreamId s, std::uint32_t h, ContextId target, std::string_view name) {
    // Built in the scratch buffer and copied onto the link at once.
    std::vector<std::uint8_t> own;
    std::vector<std::uint8_t>& buf = shared_.scratch ? shared_.scratch->bytes() : own;
    payload::write_route(target, name, buf);
    send_route_payload(s, h, buf);
}

void Node::send_route_payload(StreamId s, std::uint32_t h, std::span<const std::uint8_t> payload) {
    if (s == NO_STREAM || !streams_[s]->open) return; // no stream during shutdown
    Header hdr;
    hdr.dst_id = streams_[s]->remote_id;
    hdr.src_id = hdr.auth_id = id_;
    hdr.handle = h;
    send_frame(s, hdr, payload); // what make() would head a Message with, without one
}

void Node::propagate_up(std::uint32_t h, ContextId target, std::string_view name) {
    if (has_parent_) send_route(parent_stream_, h, target, name);
}

void Node::propagate_down(ContextId target) {
    // Every stream that ever carried traffic for `target`, except the parent's.
    // get_streams() is a set of the route table's values.
    std::vector<StreamId> seen;
    route_.for_each([&](ContextId, StreamId sid) { seen.push_back(sid); });
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    const auto pid = parent_id();
    for (StreamId sid : seen) {
        Stream& s = *streams_[sid];
        if (!s.egress_ids.contains(target)) continue;
        if (pid && s.remote_id == *pid) continue;
        send_route(sid, handle::DEL_ROUTE, target, {});
    }
}

void Node::notice_stream(StreamId s) {
    Stream& st = *streams_[s];
    st.noticed = true;
    st.monitor_self = true;
    st.monitor_routes.clear();
    char buf[Stream::NAME_BUF];
    propagate_up(handle::ADD_ROUTE, st.remote_id, st.name_view(buf));
}

void Node::route_monitor_stream_gone(StreamId s) {
    Stream& st = *streams_[s];
    if (!st.noticed) return;
    st.noticed = false;
    std::vector<ContextId> routes = st.monitor_routes.take();
    if (st.monitor_self) routes.push_back(st.remote_id);
    st.monitor_self = false;
    std::sort(routes.begin(), routes.end());
    for (ContextId target : routes) {
        erase_route(target);
        propagate_up(handle::DEL_ROUTE, target, {});
        propagate_down(target);
        context_disconnected(target);
    }
}

void Node::on_add_route(const Message& msg) {
    if (msg.is_dead()) return;
    // What RouteMonitor writes is read in place; anything else goes to parse_route.
    std::uint32_t rid;
    std::string_view rname;
    std::optional<payload::Route> general;
    // The payload is the bytes write_route writes for (rid, rname): it goes up as
    // it came. Not so for "id:" (an empty name is written with no colon).
    bool as_written = false;
    if (const auto v = payload::read_route(msg.data)) {
        rid = v->id;
        rname = v->name;
        as_written = !v->has_name || !v->name.empty();
    } else {
        auto r = payload::parse_route(handle::ADD_ROUTE, msg.data);
        if (!r) {
            env_.note(*this, Note::handler_error, &msg.h, r.error().message);
            return;
        }
        general = std::move(*r);
        rid = general->id;
        if (general->name) rname = *general->name;
    }
    // parent_stream_ is the route table's entry for the parent (set_route keeps it).
    const StreamId parent_stream = has_parent_ ? parent_stream_ : NO_STREAM;
    const StreamId via = lookup_or(msg.h.src_id, parent_stream);
    const StreamId current = lookup_or(rid, parent_stream);
    if (current != NO_STREAM && (!has_parent_ || streams_[current]->remote_id != parent0_)) {
        env_.note(*this, Note::duplicate_route, &msg.h, std::to_string(rid));
        return;
    }
    if (via == NO_STREAM || !streams_[via]->noticed) {
        // _routes_by_stream[stream] raises KeyError for a stream never noticed.
        env_.note(*this, Note::handler_error, &msg.h, "ADD_ROUTE on a stream with no routes (KeyError)");
        return;
    }
    streams_[via]->monitor_routes.push_back(rid);
    set_route(rid, via);
    // The name travels on only when non-empty (`if name:` in _send_one), which
    // is how send_route takes an empty one.
    if (!has_parent_) return;
    if (as_written) send_route_payload(parent_stream_, handle::ADD_ROUTE, msg.data);
    else send_route(parent_stream_, handle::ADD_ROUTE, rid, rname);
}

void Node::on_del_route(const Message& msg) {
    if (msg.is_dead()) return;
    auto r = payload::parse_route(handle::DEL_ROUTE, msg.data);
    if (!r) {
        env_.note(*this, Note::handler_error, &msg.h, r.error().message);
        return;
    }
    const auto pid = parent_id();
    const StreamId parent_stream = pid ? lookup(*pid) : NO_STREAM;
    const StreamId registered = lookup_or(r->id, parent_stream);
    if (registered == NO_STREAM) return;
    const StreamId via = lookup_or(msg.h.src_id, parent_stream);
    if (registered != via) {
        env_.note(*this, Note::bad_del_route, &msg.h, std::to_string(r->id));
        return;
    }
    context_disconnected(r->id);
    if (r->id == streams_[via]->remote_id) streams_[via]->monitor_self = false;
    streams_[via]->monitor_routes.erase_value(r->id);
    erase_route(r->id);
    if (!pid || streams_[via]->remote_id != *pid) propagate_up(handle::DEL_ROUTE, r->id, {});
    propagate_down(r->id);
}

void Node::on_del_route_stub(const Message& msg) {
    if (msg.is_dead()) return;
    auto r = payload::parse_route(handle::DEL_ROUTE, msg.data);
    if (!r) {
        env_.note(*this, Note::handler_error, &msg.h, r.error().message);
        return;
    }
    env_.note(*this, Note::del_route_stub, &msg.h, std::to_string(r->id));
    context_disconnected(r->id);
}

} // namespace mitokit::sim
