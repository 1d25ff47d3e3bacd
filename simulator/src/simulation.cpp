#include "mitokit/sim/simulation.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "mitokit/sim/pcap.hpp"

namespace mitokit::sim {

Simulation::Simulation(SimConfig cfg, NodeShared shared)
    : cfg_(cfg), shared_(shared), rng_(cfg.seed),
      ns_per_byte_(cfg.link.bandwidth && SEC % cfg.link.bandwidth == 0 ? SEC / cfg.link.bandwidth : 0) {
    shared_.scratch = &scratch_;
    shared_.stream_blocks = &stream_blocks_;
    log_.keep_lines(cfg.keep_event_lines);
    log_.set_line_sink(cfg.event_line_sink);
    sched_.set_sink(this);
    sched_.set_prefetching(cfg_.prefetch_from_contexts <= 1);
    sched_.set_prefetch_min_pending(cfg_.prefetch_min_pending);
    nodes_.emplace_back(*this, shared_, NodeConfig{0, {}});
    nodes_.back().env_tag = 0;
    by_id_.set(0, 0);
    alive_ = 1;
}

Simulation::~Simulation() = default;

Node* Simulation::find(ContextId id) {
    const std::uint32_t* i = by_id_.find(id);
    return i ? &nodes_[*i] : nullptr;
}

std::uint32_t Simulation::index_of(const Node& n) const { return n.env_tag; }

const std::map<std::uint32_t, HandleStats>& Simulation::per_handle() const {
    per_handle_.clear();
    for (std::uint32_t k = 0; k < handle_counts_.size(); ++k)
        if (handle_counts_[k].messages) per_handle_[k] = handle_counts_[k];
    return per_handle_;
}

// Inline into send(), its one hot caller.
[[gnu::always_inline]] inline void Simulation::put_segments(std::uint32_t ld, std::span<const std::uint8_t> head,
                                                            std::span<const std::uint8_t> body) {
    const std::uint32_t li = ld >> 1;
    const int d = static_cast<int>(ld & 1);
    Direction& dir = links_[li].dir[d];
    const std::size_t total = head.size() + body.size();
    // Segments of at most the buffer size, sometimes cut again at a random point.
    std::size_t off = 0;
    while (off < total) {
        std::size_t len = std::min<std::size_t>(total - off, cfg_.link.buffer);
        if (len > 1 && rng_.chance(cfg_.link.split_percent, 100)) len = 1 + rng_.below(len - 1);
        const std::uint32_t b = segs_.make(len);
        std::uint8_t* seg = segs_.data(b);
        std::size_t o = 0;
        if (off < head.size()) {
            o = std::min(len, head.size() - off);
            // A whole frame header (the usual segment) as a copy of known size.
            if (o == HEADER_SIZE) std::memcpy(seg, head.data() + off, HEADER_SIZE);
            else std::memcpy(seg, head.data() + off, o);
        }
        if (o < len) std::memcpy(seg + o, body.data() + (off + o - head.size()), len - o);
        const Time depart = std::max(now(), dir.busy_until);
        const Time tx = ns_per_byte_                ? static_cast<Time>(len) * ns_per_byte_
                        : cfg_.link.bandwidth ? static_cast<Time>(len) * SEC / cfg_.link.bandwidth
                                              : 0;
        dir.busy_until = depart + tx;
        Time arrive = depart + tx + cfg_.link.latency + (cfg_.link.jitter ? rng_.below(cfg_.link.jitter + 1) : 0);
        arrive = std::max(arrive, dir.last_arrival); // a byte stream stays in order
        dir.last_arrival = arrive;
        if (pcap_) pcap_->data(li, d, depart, segs_.bytes(b), dir.seq);
        dir.seq += static_cast<std::uint32_t>(len);
        off += len;
        ++in_flight_;
        sched_.post(arrive, ld, b);
    }
}

// Inline into write_frame(), its hot caller (every hop), and write().
[[gnu::always_inline]] inline void Simulation::send(std::uint32_t ld, std::span<const std::uint8_t> head,
                                                    std::span<const std::uint8_t> body, const Header* h) {
    Link& L = links_[ld >> 1];
    Direction& dir = L.dir[ld & 1];
    const std::size_t total = head.size() + body.size();
    link_stats_.bytes_written += total;
    if (dir.closed || L.cut) {
        link_stats_.bytes_dropped += total;
        return;
    }
    if (h) count_frame(*h, total);
    ++hops_;
    if (dir.corrupt_next && total >= 2) [[unlikely]] {
        dir.corrupt_next = false;
        send_garbled(ld, head, body);
        return;
    }
    put_segments(ld, head, body);
}

void Simulation::write(Node& n, StreamId s, std::vector<std::uint8_t> bytes) {
    // Account the frame (one write = one frame) per handle.
    auto h = decode_header(std::span<const std::uint8_t>(bytes).first(std::min<std::size_t>(bytes.size(), HEADER_SIZE)),
                           UINT32_MAX);
    send(n.stream_tag(s), bytes, {}, h ? &*h : nullptr);
}

void Simulation::write_frame(Node& n, StreamId s, const Header& h, std::span<const std::uint8_t> payload) {
    HeaderBytes head;
    encode_header_into(h, head.data());
    send(n.stream_tag(s), head, payload, &h);
}

void Simulation::send_garbled(std::uint32_t ld, std::span<const std::uint8_t> head,
                              std::span<const std::uint8_t> body) {
    std::vector<std::uint8_t> garbled(head.begin(), head.end());
    garbled.insert(garbled.end(), body.begin(), body.end());
    garbled[0] = 'X';
    garbled[1] = 'X';
    char line[96];
    std::snprintf(line, sizeof line, "%llu corrupt link=%u dir=%d", static_cast<unsigned long long>(now()), ld >> 1,
                  static_cast<int>(ld & 1));
    record(line);
    put_segments(ld, garbled, {});
}

void Simulation::defer_route(Node& n, Message msg) { defer_route_frame(n, msg.h, msg.data); }

void Simulation::defer_route_frame(Node& n, const Header& h, std::span<const std::uint8_t> payload) {
    const std::uint32_t seg = segs_.make(payload.size());
    if (!payload.empty()) std::memcpy(segs_.data(seg), payload.data(), payload.size());
    sched_.post(now(), ROUTE_EVENT, routes_.put(PendingRoute{index_of(n), seg, h}));
}

void Simulation::defer_main_thread(Node& n, Time delay) { sched_.post(now() + delay, MAIN_THREAD_EVENT, index_of(n)); }

void Simulation::on_event(std::uint32_t ld, std::uint32_t seg) {
    // Only tail calls here, so a delivery pays for no saved registers.
    static_assert(CONNECT_EVENT < MAIN_THREAD_EVENT && CONNECT_EVENT < ROUTE_EVENT);
    if (ld >= CONNECT_EVENT) [[unlikely]]
        return on_own_event(ld, seg);
    if (seg == EOF_SEGMENT) [[unlikely]]
        return deliver_eof(ld >> 1, static_cast<int>(ld & 1));
    deliver(ld, seg);
}

void Simulation::on_own_event(std::uint32_t ld, std::uint32_t seg) {
    if (ld == MAIN_THREAD_EVENT) {
        nodes_[seg].main_thread_free();
        return;
    }
    if (ld == ROUTE_EVENT) {
        const PendingRoute p = routes_.take(seg);
        // The payload's bytes stay put while the node routes it (new segments do not move them).
        nodes_[p.node].route_now_frame(p.h, segs_.bytes(p.seg));
        segs_.release(p.seg);
        return;
    }
    if (ld == CONNECT_EVENT) {
        const PendingConnect pc = connects_.take(seg);
        Node& parent = nodes_[pc.parent];
        if (parent.alive() && parent.stream_open(pc.stream)) parent.spawn_connected(pc.spawn, pc.stream);
    }
}

void Simulation::prefetch(std::uint32_t ld, std::uint32_t seg, int stage) {
    // Each stage loads what the previous one brought in points to: the link and
    // the segment's vector, then the receiving context and the bytes, then its
    // stream's slot, then the stream.
    if (ld == ROUTE_EVENT) {
        if (stage == 0) __builtin_prefetch(routes_.address(seg));
        else if (stage == 1) {
            __builtin_prefetch(&nodes_[routes_[seg].node]);
            segs_.prefetch_length(routes_[seg].seg);
        } else if (stage == 2) {
            segs_.prefetch(routes_[seg].seg);
        }
        return;
    }
    if (ld == MAIN_THREAD_EVENT) {
        if (stage >= 1) nodes_[seg].prefetch_main_thread(stage - 1);
        return;
    }
    if (ld == CONNECT_EVENT) {
        if (stage == 0) __builtin_prefetch(connects_.address(seg));
        else if (stage == 1) __builtin_prefetch(&nodes_[connects_[seg].parent]);
        return;
    }
    const Link& L = links_[ld >> 1];
    const int to = 1 - static_cast<int>(ld & 1);
    switch (stage) {
    case 0:
        __builtin_prefetch(&L);
        if (seg != EOF_SEGMENT) segs_.prefetch_length(seg);
        return;
    case 1: {
        const auto* n = reinterpret_cast<const char*>(&nodes_[L.node[to]]);
        __builtin_prefetch(n);
        __builtin_prefetch(n + 64);
        __builtin_prefetch(n + 128);
        if (seg != EOF_SEGMENT) segs_.prefetch(seg); // the lines its length (loaded at stage 0) covers
        return;
    }
    default: {
        // The segment's bytes came in at stage 1: if it starts with a frame, its
        // header names the IDs the router will look up (not at the node's stage 1,
        // which loads the stream itself).
        const int node_stage = stage - 2;
        std::optional<RoutingIds> head;
        if (node_stage != 1 && seg != EOF_SEGMENT) head = peek_routing_ids(segs_.bytes(seg));
        nodes_[L.node[to]].prefetch_stream(L.stream[to], node_stage, head ? &*head : nullptr);
        return;
    }
    }
}

void Simulation::deliver(std::uint32_t ld, std::uint32_t b) {
    const std::uint32_t li = ld >> 1;
    const int d = static_cast<int>(ld & 1);
    Link& L = links_[li];
    if (L.stalled_until > now() && !L.cut) {
        sched_.post(L.stalled_until, ld, b);
        return;
    }
    --in_flight_;
    const int to = 1 - d;
    Node& dst = nodes_[L.node[to]];
    const StreamId ds = L.stream[to];
    const std::size_t len = segs_.size(b);
    if (L.cut || !dst.alive() || !dst.stream_open(ds)) {
        link_stats_.bytes_dropped += len;
        segs_.release(b);
        return;
    }
    link_stats_.bytes_delivered += len;
    log_.record(now(), "rx", li, static_cast<std::uint64_t>(d), len);
    // The node may write (new buffers) or spawn (new links) while it reads: hold
    // no reference to `L` across this call. A segment's bytes stay put until released.
    dst.receive(ds, segs_.bytes(b));
    segs_.release(b);
}

void Simulation::close_stream(Node& n, StreamId s) {
    const std::uint32_t ld = n.stream_tag(s);
    const std::uint32_t li = ld >> 1;
    const int d = static_cast<int>(ld & 1);
    Link& L = links_[li];
    Direction& dir = L.dir[d];
    if (dir.closed) return;
    dir.closed = true;
    if (L.cut) return;
    const Time at = std::max(now() + cfg_.link.latency, dir.last_arrival);
    dir.last_arrival = at;
    if (pcap_) pcap_->fin(li, d, now(), dir.seq);
    ++in_flight_;
    sched_.post(at, ld, EOF_SEGMENT);
}

void Simulation::deliver_eof(std::uint32_t li, int d) {
    --in_flight_;
    Link& L = links_[li];
    if (L.cut) return;
    const int to = 1 - d;
    Node& dst = nodes_[L.node[to]];
    char line[80];
    std::snprintf(line, sizeof line, "%llu eof link=%u dir=%d", static_cast<unsigned long long>(now()), li, d);
    record(line);
    if (dst.alive()) dst.eof(L.stream[to]);
}

void Simulation::defer(Node& n, Time delay, std::function<void()> fn) {
    (void)n;
    sched_.after(delay, std::move(fn));
}

void Simulation::note(Node& n, Note what, const Header* h, std::string_view detail) {
    ++notes_[static_cast<std::size_t>(what)];
    // Hot and fixed-shape: hashed as binary (the error text, if any, travels in the
    // reply). The names are note_name()'s, as literals: EventKinds made at compile time.
    if (what == Note::call_started) {
        log_.record(now(), "call_started", n.id(), h ? h->src_id : 0, h ? h->reply_to : 0);
        return;
    }
    if (what == Note::call_finished) {
        log_.record(now(), "call_finished", n.id(), h ? h->src_id : 0, h ? h->reply_to : 0);
        return;
    }
    note_text(n, what, h, detail);
}

void Simulation::note_text(Node& n, Note what, const Header* h, std::string_view detail) {
    char line[160];
    if (h)
        std::snprintf(line, sizeof line, "%llu ctx=%u %s dst=%u src=%u auth=%u h=%u r=%u len=%u ",
                      static_cast<unsigned long long>(now()), n.id(), note_name(what), h->dst_id, h->src_id,
                      h->auth_id, h->handle, h->reply_to, h->length);
    else
        std::snprintf(line, sizeof line, "%llu ctx=%u %s ", static_cast<unsigned long long>(now()), n.id(),
                      note_name(what));
    std::string s(line);
    s.append(detail);
    record(s);
}

void Simulation::spawn_child(Node& parent, ContextId id, std::string name, std::uint32_t spawn) {
    NodeConfig cfg;
    cfg.id = id;
    cfg.parent_ids = ParentIds::below(parent.id(), parent.parent_ids());
    const auto child_index = static_cast<std::uint32_t>(nodes_.size());
    if (by_id_.contains(id)) {
        // Two contexts with one ID would make routing meaningless: refuse loudly.
        note(parent, Note::handler_error, nullptr, "spawn: duplicate context ID " + std::to_string(id));
        return;
    }
    nodes_.emplace_back(*this, shared_, std::move(cfg));
    nodes_.back().env_tag = child_index;
    if (nodes_.size() == cfg_.prefetch_from_contexts) sched_.set_prefetching(true);
    by_id_.set(id, child_index);
    ++alive_;
    Node& child = nodes_.back();
    const auto li = static_cast<std::uint32_t>(links_.size());
    Link L{};
    L.node[0] = index_of(parent);
    L.node[1] = child_index;
    L.stream[0] = parent.add_stream(id, std::move(name));
    L.stream[1] = child.add_stream(parent.id(), "parent");
    links_.push_back(L);
    parent.set_stream_tag(L.stream[0], li * 2);
    child.set_stream_tag(L.stream[1], li * 2 + 1);
    child.attach_parent(L.stream[1]);
    if (pcap_) pcap_->open(li, parent.id(), id, now());
    log_.record(now(), "spawn", id, parent.id()); // one per context: hashed as binary
    sched_.post(now() + cfg_.connect_delay, CONNECT_EVENT,
                connects_.put(PendingConnect{L.node[0], L.stream[0], spawn}));
}

void Simulation::log_record(Node&, ContextId src, std::string_view logger, int level, std::string_view text) {
    ++log_records_;
    char line[96];
    std::snprintf(line, sizeof line, "%llu log src=%u level=%d ", static_cast<unsigned long long>(now()), src, level);
    std::string s(line);
    s.append(logger).append(": ").append(text);
    record(s);
}

void Simulation::shutdown_deadline(Node& n, Time delay) {
    const std::uint32_t i = index_of(n);
    shutdown_deadlines_[i] = sched_.after(delay, [this, i] {
        shutdown_deadlines_.erase(i);
        nodes_[i].shutdown_deadline_passed();
    });
}

void Simulation::exited(Node& n) {
    if (!shutdown_deadlines_.empty()) {
        if (auto it = shutdown_deadlines_.find(index_of(n)); it != shutdown_deadlines_.end()) {
            sched_.cancel(it->second);
            shutdown_deadlines_.erase(it);
        }
    }
    --alive_;
    char line[64];
    std::snprintf(line, sizeof line, "%llu exit ctx=%u", static_cast<unsigned long long>(now()), n.id());
    record(line);
}

void Simulation::cut_link(std::size_t li) {
    Link& L = links_.at(li);
    if (L.cut) return;
    L.cut = true;
    char line[64];
    std::snprintf(line, sizeof line, "%llu cut link=%zu", static_cast<unsigned long long>(now()), li);
    record(line);
    // Both ends notice (a reset connection): each sees end of file.
    for (int side = 0; side < 2; ++side) {
        const std::uint32_t ni = L.node[side];
        const StreamId s = L.stream[side];
        sched_.after(cfg_.link.latency, [this, ni, s] {
            if (nodes_[ni].alive()) nodes_[ni].eof(s);
        });
    }
}

void Simulation::stall_link(std::size_t li, Time duration) {
    Link& L = links_.at(li);
    L.stalled_until = std::max(L.stalled_until, now() + duration);
    char line[80];
    std::snprintf(line, sizeof line, "%llu stall link=%zu for=%llu", static_cast<unsigned long long>(now()), li,
                  static_cast<unsigned long long>(duration));
    record(line);
}

void Simulation::corrupt_next(std::size_t li, int direction) { links_.at(li).dir[direction & 1].corrupt_next = true; }

void Simulation::crash(ContextId id) {
    if (Node* n = find(id)) {
        char line[64];
        std::snprintf(line, sizeof line, "%llu crash ctx=%u", static_cast<unsigned long long>(now()), id);
        record(line);
        n->crash();
    }
}

LinkStats Simulation::link_totals() const { return link_stats_; }

void Simulation::trim() {
    if (!sched_.empty() || in_flight_ != 0) return;
    sched_.trim();
    segs_.trim();
    scratch_.trim(SCRATCH_IDLE_KEEP);
    routes_.release();
    connects_.release();
}

void Simulation::reserve(std::size_t contexts) {
    links_.reserve(contexts ? contexts - 1 : 0); // nodes_ grows by chunks without moving anyone
}

std::vector<std::string> Simulation::stale_routes() const {
    std::vector<std::string> out;
    // A bit per live context's ID, for the IDs the allocators hand out (dense from
    // 0): a million contexts' routes are then checked against 128 KiB that stay in
    // cache, not by a lookup and a visit to the named context each. An ID past
    // LIVE_BITS_MAX (none the allocators make at a simulator's scale) is looked up.
    constexpr ContextId LIVE_BITS_MAX = ContextId{1} << 26;
    ContextId top = 0;
    nodes_.for_each([&](const Node& n) { top = std::max(top, std::min(n.id(), LIVE_BITS_MAX - 1)); });
    std::vector<std::uint64_t> live((std::size_t{top} >> 6) + 1);
    nodes_.for_each([&](const Node& n) {
        if (n.alive() && n.id() < LIVE_BITS_MAX) live[n.id() >> 6] |= std::uint64_t{1} << (n.id() & 63);
    });
    nodes_.for_each([&](const Node& n) {
        if (!n.alive()) return;
        const auto dead = [&](ContextId id) {
            if (id < LIVE_BITS_MAX) return (id >> 6) >= live.size() || !(live[id >> 6] >> (id & 63) & 1);
            const std::uint32_t* i = by_id_.find(id);
            return !i || !nodes_[*i].alive();
        };
        if (!n.any_route(dead)) return; // the usual case: nothing to list, nothing allocated
        for (ContextId id : n.routes())
            if (dead(id))
                out.push_back("context " + std::to_string(n.id()) + " still routes to dead context " +
                              std::to_string(id));
    });
    return out;
}

std::vector<std::string> Simulation::route_cache_violations() const {
    std::vector<std::string> out;
    nodes_.for_each([&](const Node& n) {
        if (!n.route_cache_consistent())
            out.push_back("context " + std::to_string(n.id()) + "'s route shortcuts disagree with its route table");
    });
    return out;
}

} // namespace mitokit::sim
