#include "mitokit/sim/simulation.hpp"

#include <algorithm>
#include <cstdio>

#include "mitokit/sim/pcap.hpp"

namespace mitokit::sim {

Simulation::Simulation(SimConfig cfg, NodeShared shared)
    : cfg_(cfg), shared_(shared), rng_(cfg.seed) {
    log_.keep_lines(cfg.keep_event_lines);
    nodes_.push_back(std::make_unique<Node>(*this, shared_, NodeConfig{0, {}}));
    nodes_.back()->env_tag = 0;
    by_id_[0] = 0;
    stream_links_.emplace_back();
    alive_ = 1;
}

Simulation::~Simulation() = default;

Node* Simulation::find(ContextId id) {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : nodes_[it->second].get();
}

std::uint32_t Simulation::index_of(const Node& n) const { return n.env_tag; }

std::uint32_t Simulation::link_of(std::uint32_t idx, StreamId s) const { return stream_links_[idx].at(s); }

void Simulation::write(Node& n, StreamId s, std::vector<std::uint8_t> bytes) {
    const std::uint32_t li = link_of(index_of(n), s);
    Link& L = links_[li];
    const int d = L.node[0] == index_of(n) && L.stream[0] == s ? 0 : 1;
    Direction& dir = L.dir[d];
    L.stats.bytes_written += bytes.size();
    if (dir.closed || L.cut) {
        L.stats.bytes_dropped += bytes.size();
        return;
    }
    // Account the frame (one write = one frame) per handle.
    if (auto h = decode_header(std::span<const std::uint8_t>(bytes).first(std::min<std::size_t>(bytes.size(), HEADER_SIZE)),
                               UINT32_MAX)) {
        const std::uint32_t key = h->reply_to == handle::IS_DEAD       ? handle::IS_DEAD
                                  : h->handle >= handle::FIRST_DYNAMIC ? handle::FIRST_DYNAMIC
                                                                       : h->handle;
        auto& st = per_handle_[key];
        ++st.messages;
        st.bytes += bytes.size();
    }
    ++hops_;
    if (dir.corrupt_next && bytes.size() >= 2) {
        dir.corrupt_next = false;
        bytes[0] = 'X';
        bytes[1] = 'X';
        char line[96];
        std::snprintf(line, sizeof line, "%llu corrupt link=%u dir=%d",
                      static_cast<unsigned long long>(now()), li, d);
        record(line);
    }
    // Segments of at most the buffer size, sometimes cut again at a random point.
    std::size_t off = 0;
    const std::size_t total = bytes.size();
    while (off < total) {
        std::size_t len = std::min<std::size_t>(total - off, cfg_.link.buffer);
        if (len > 1 && rng_.chance(cfg_.link.split_percent, 100)) len = 1 + rng_.below(len - 1);
        // The common case (one segment carries the whole frame) moves instead of copying.
        std::vector<std::uint8_t> seg = off == 0 && len == bytes.size()
                                            ? std::move(bytes)
                                            : std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(off),
                                                                        bytes.begin() + static_cast<std::ptrdiff_t>(off + len));
        off += len;
        const Time depart = std::max(now(), dir.busy_until);
        const Time tx = cfg_.link.bandwidth ? static_cast<Time>(len) * SEC / cfg_.link.bandwidth : 0;
        dir.busy_until = depart + tx;
        Time arrive = depart + tx + cfg_.link.latency + (cfg_.link.jitter ? rng_.below(cfg_.link.jitter + 1) : 0);
        arrive = std::max(arrive, dir.last_arrival); // a byte stream stays in order
        dir.last_arrival = arrive;
        if (pcap_) pcap_->data(li, d, depart, seg, dir.seq);
        dir.seq += len;
        ++in_flight_;
        sched_.at(arrive, [this, li, d, seg = std::move(seg)]() mutable { deliver(li, d, std::move(seg)); });
    }
}

void Simulation::deliver(std::uint32_t li, int d, std::vector<std::uint8_t> seg) {
    Link& L = links_[li];
    if (L.stalled_until > now() && !L.cut) {
        const Time until = L.stalled_until;
        sched_.at(until, [this, li, d, seg = std::move(seg)]() mutable { deliver(li, d, std::move(seg)); });
        return;
    }
    --in_flight_;
    const int to = 1 - d;
    Node& dst = *nodes_[L.node[to]];
    if (L.cut || !dst.alive() || !dst.stream_open(L.stream[to])) {
        L.stats.bytes_dropped += seg.size();
        return;
    }
    L.stats.bytes_delivered += seg.size();
    log_.record(now(), "rx", li, static_cast<std::uint64_t>(d), seg.size());
    dst.receive(L.stream[to], seg);
}

void Simulation::close_stream(Node& n, StreamId s) {
    const std::uint32_t li = link_of(index_of(n), s);
    Link& L = links_[li];
    const int d = L.node[0] == index_of(n) && L.stream[0] == s ? 0 : 1;
    Direction& dir = L.dir[d];
    if (dir.closed) return;
    dir.closed = true;
    if (L.cut) return;
    const Time at = std::max(now() + cfg_.link.latency, dir.last_arrival);
    dir.last_arrival = at;
    if (pcap_) pcap_->fin(li, d, now(), dir.seq);
    ++in_flight_;
    sched_.at(at, [this, li, d] { deliver_eof(li, d); });
}

void Simulation::deliver_eof(std::uint32_t li, int d) {
    --in_flight_;
    Link& L = links_[li];
    if (L.cut) return;
    const int to = 1 - d;
    Node& dst = *nodes_[L.node[to]];
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
    if (what == Note::call_started || what == Note::call_finished) {
        // Hot and fixed-shape: hashed as binary (the error text, if any, travels in the reply).
        log_.record(now(), note_name(what), n.id(), h ? h->src_id : 0, h ? h->reply_to : 0);
        return;
    }
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

void Simulation::spawn_child(Node& parent, ContextId id, std::string name, std::function<void(StreamId)> connected) {
    NodeConfig cfg;
    cfg.id = id;
    cfg.parent_ids.reserve(parent.parent_ids().size() + 1);
    cfg.parent_ids.push_back(parent.id());
    cfg.parent_ids.insert(cfg.parent_ids.end(), parent.parent_ids().begin(), parent.parent_ids().end());
    const auto child_index = static_cast<std::uint32_t>(nodes_.size());
    if (by_id_.count(id)) {
        // Two contexts with one ID would make routing meaningless: refuse loudly.
        note(parent, Note::handler_error, nullptr, "spawn: duplicate context ID " + std::to_string(id));
        return;
    }
    nodes_.push_back(std::make_unique<Node>(*this, shared_, std::move(cfg)));
    nodes_.back()->env_tag = child_index;
    by_id_[id] = child_index;
    stream_links_.emplace_back();
    ++alive_;
    Node& child = *nodes_.back();
    const auto li = static_cast<std::uint32_t>(links_.size());
    Link L{};
    L.node[0] = index_of(parent);
    L.node[1] = child_index;
    L.stream[0] = parent.add_stream(id, std::move(name));
    L.stream[1] = child.add_stream(parent.id(), "parent");
    links_.push_back(L);
    stream_links_[L.node[0]].push_back(li);
    stream_links_[child_index].push_back(li);
    child.attach_parent(L.stream[1]);
    if (pcap_) pcap_->open(li, parent.id(), id, now());
    char line[80];
    std::snprintf(line, sizeof line, "%llu spawn ctx=%u parent=%u", static_cast<unsigned long long>(now()), id,
                  parent.id());
    record(line);
    const StreamId ps = L.stream[0];
    sched_.after(cfg_.connect_delay, [this, pi = L.node[0], ps, connected = std::move(connected)] {
        if (nodes_[pi]->alive() && nodes_[pi]->stream_open(ps)) connected(ps);
    });
}

void Simulation::log_record(Node&, ContextId src, std::string_view logger, int level, std::string_view text) {
    ++log_records_;
    char line[96];
    std::snprintf(line, sizeof line, "%llu log src=%u level=%d ", static_cast<unsigned long long>(now()), src, level);
    std::string s(line);
    s.append(logger).append(": ").append(text);
    record(s);
}

void Simulation::exited(Node& n) {
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
            if (nodes_[ni]->alive()) nodes_[ni]->eof(s);
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

LinkStats Simulation::link_totals() const {
    LinkStats t;
    for (const auto& L : links_) {
        t.bytes_written += L.stats.bytes_written;
        t.bytes_delivered += L.stats.bytes_delivered;
        t.bytes_dropped += L.stats.bytes_dropped;
    }
    return t;
}

std::vector<std::string> Simulation::stale_routes() const {
    std::vector<std::string> out;
    for (const auto& n : nodes_) {
        if (!n->alive()) continue;
        for (ContextId id : n->routes()) {
            const auto it = by_id_.find(id);
            if (it == by_id_.end() || !nodes_[it->second]->alive())
                out.push_back("context " + std::to_string(n->id()) + " still routes to dead context " +
                              std::to_string(id));
        }
    }
    return out;
}

} // namespace mitokit::sim
