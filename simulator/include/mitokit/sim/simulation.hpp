// The simulated world: Nodes joined by byte-carrying links, one Scheduler, one
// seeded Rng, one EventLog. Links have latency, bandwidth and a buffer size;
// every message crosses as encoded frames and is decoded on the far side by that
// node's StreamDecoder. Same seed + configuration => same event log hash.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mitokit/sim/block_pool.hpp"
#include "mitokit/sim/chunked_store.hpp"
#include "mitokit/sim/huge_pages.hpp"
#include "mitokit/sim/node_scratch.hpp"
#include "mitokit/sim/node.hpp"
#include "mitokit/sim/scheduler.hpp"
#include "mitokit/sim/segment_store.hpp"
#include "mitokit/sim/slot_table.hpp"

namespace mitokit::sim {

class PcapWriter;

struct LinkParams {
    Time latency = 200 * US;                  // one way
    Time jitter = 50 * US;                    // uniform extra delay per segment (seeded)
    std::uint64_t bandwidth = 125'000'000;    // bytes per second (1 Gbit/s)
    std::uint32_t buffer = 128 * 1024;        // socket buffer: the largest segment delivered at once
    std::uint32_t split_percent = 10;         // chance a segment is cut in two (decoder reassembly)
};

struct SimConfig {
    std::uint64_t seed = 1;
    LinkParams link{};
    Time connect_delay = 5 * MS; // child bootstrap until MITO002
    bool keep_event_lines = false;
    EventLog::LineSink event_line_sink; // every event-log line as it is recorded (optional)
    // From this many contexts on, the scheduler hands out prefetch hints. They
    // pay from the start: even at 10,000 contexts the segments in flight outgrow
    // the cache between write and delivery (docs/performance.md, tenth session).
    std::size_t prefetch_from_contexts = 1;
    // ... while at least this many events are pending (Scheduler::set_prefetch_min_pending).
    std::size_t prefetch_min_pending = Scheduler::PREFETCH_MIN_PENDING;
};

struct LinkStats {
    std::uint64_t bytes_written = 0, bytes_delivered = 0, bytes_dropped = 0;
};

// Per-handle traffic: every frame put on a link counts as one message-hop.
struct HandleStats {
    std::uint64_t messages = 0, bytes = 0;
};

class Simulation final : public NodeEnv, private Scheduler::Sink {
public:
    Simulation(SimConfig cfg, NodeShared shared);
    ~Simulation() override;

    Node& master() { return nodes_.front(); }
    Node* find(ContextId id);
    Scheduler& scheduler() noexcept { return sched_; }
    EventLog& events() noexcept { return log_; }
    Rng& rng() noexcept { return rng_; }
    const NodeShared& shared() const noexcept { return shared_; }
    std::size_t node_count() const noexcept { return nodes_.size(); }
    std::size_t alive_count() const noexcept { return alive_; }
    Node& node_at(std::size_t i) { return nodes_[i]; }
    // Room for this many contexts (the tree's size, when known) without regrowing.
    void reserve(std::size_t contexts);
    // Once nothing is in flight: free the scheduler's, the segment pool's and the
    // scratch pools' peak capacity, so an idle tree holds only what its contexts need.
    void trim();

    // Runs until no events are left (or `until`).
    void run(Time until = UINT64_MAX) { sched_.run(until); }

    // Faults.
    std::size_t link_count() const noexcept { return links_.size(); }
    void cut_link(std::size_t link);                   // both ends see EOF; bytes in flight are lost
    void stall_link(std::size_t link, Time duration);  // nothing arrives until the stall ends
    void corrupt_next(std::size_t link, int direction); // next frame's magic is garbled: receiver drops the stream
    void crash(ContextId id);

    void set_pcap(PcapWriter* w) { pcap_ = w; }

    // Observations.
    const std::array<std::uint64_t, static_cast<std::size_t>(Note::count_)>& notes() const { return notes_; }
    const std::map<std::uint32_t, HandleStats>& per_handle() const;
    std::uint64_t hops() const noexcept { return hops_; }
    LinkStats link_totals() const;
    std::uint64_t log_records() const noexcept { return log_records_; }
    std::uint64_t in_flight_segments() const noexcept { return in_flight_; }
    // Each live context's routes must name live contexts (checked at quiescence).
    std::vector<std::string> stale_routes() const;
    // Every context whose routing shortcuts (parent stream, routed_here) disagree
    // with its route table, as one message each.
    std::vector<std::string> route_cache_violations() const;

    // NodeEnv
    Time now() const override { return sched_.now(); }
    void write(Node& n, StreamId s, std::vector<std::uint8_t> bytes) override;
    void write_frame(Node& n, StreamId s, const Header& h, std::span<const std::uint8_t> payload) override;
    void close_stream(Node& n, StreamId s) override;
    void defer(Node& n, Time delay, std::function<void()> fn) override;
    // Dropped when the node exits first, so a finished shutdown adds no idle time.
    void shutdown_deadline(Node& n, Time delay) override;
    void defer_route(Node& n, Message msg) override;
    void defer_route_frame(Node& n, const Header& h, std::span<const std::uint8_t> payload) override;
    void defer_main_thread(Node& n, Time delay) override;
    void note(Node& n, Note what, const Header* h, std::string_view detail) override;
    void spawn_child(Node& parent, ContextId id, std::string name, std::uint32_t spawn) override;
    void log_record(Node& master, ContextId src, std::string_view logger, int level, std::string_view text) override;
    void exited(Node& n) override;

private:
    // Kept small: there is one per context.
    struct Direction {
        Time busy_until = 0;
        Time last_arrival = 0;
        std::uint32_t seq = 0;      // bytes sent so far, mod 2^32 (the TCP sequence offset in captures)
        bool closed = false;        // the writer hung up (FIN sent)
        bool corrupt_next = false;
    };
    struct Link {
        std::uint32_t node[2];      // node indices: [0] parent side, [1] child side
        StreamId stream[2];
        Direction dir[2];           // dir[d]: bytes written by node[d]
        Time stalled_until = 0;
        bool cut = false;
    };
    static constexpr std::uint32_t EOF_SEGMENT = SegmentStore::NONE;
    // A compact event's first word: link * 2 + direction, or ROUTE_EVENT (the
    // second word is then a slot in routes_).
    static constexpr std::uint32_t ROUTE_EVENT = 0xfffffffeu;
    // ... or MAIN_THREAD_EVENT: the second word is a node whose main thread is free.
    static constexpr std::uint32_t MAIN_THREAD_EVENT = 0xfffffffdu;
    // ... or CONNECT_EVENT: the second word is a slot in connects_.
    static constexpr std::uint32_t CONNECT_EVENT = 0xfffffffcu;
    std::uint32_t index_of(const Node& n) const;
    // Bytes `head` (an encoded header, or a whole write) then `body` onto link
    // direction `ld`; `h`, when known, is the frame's header, counted per handle.
    void send(std::uint32_t ld, std::span<const std::uint8_t> head, std::span<const std::uint8_t> body,
              const Header* h);
    // send()'s segments, once the frame is counted.
    void put_segments(std::uint32_t ld, std::span<const std::uint8_t> head, std::span<const std::uint8_t> body);
    // The frame with its magic garbled (corrupt_next), and a record of it.
    [[gnu::cold]] void send_garbled(std::uint32_t ld, std::span<const std::uint8_t> head,
                                    std::span<const std::uint8_t> body);
    // Per handle: every frame put on a link (inline: once per hop).
    void count_frame(const Header& h, std::size_t bytes) {
        const std::uint32_t key = h.reply_to == handle::IS_DEAD       ? handle::IS_DEAD
                                  : h.handle >= handle::FIRST_DYNAMIC ? handle::FIRST_DYNAMIC
                                                                      : h.handle;
        auto& st = handle_counts_[key];
        ++st.messages;
        st.bytes += bytes;
    }
    // Scheduler::Sink: (link * 2 + direction, segment buffer or EOF_SEGMENT).
    void on_event(std::uint32_t ld, std::uint32_t seg) override;
    [[gnu::noinline]] void on_own_event(std::uint32_t ld, std::uint32_t seg); // ROUTE_, MAIN_THREAD_, CONNECT_EVENT
    void prefetch(std::uint32_t ld, std::uint32_t seg, int stage) override;
    [[gnu::noinline]] void deliver(std::uint32_t ld, std::uint32_t seg);
    [[gnu::noinline]] void deliver_eof(std::uint32_t link, int d);
    void record(std::string_view line) { log_.record(line); }
    // note() past its two hot kinds: a line of text (kept apart so the hot path
    // sets up no buffer for it).
    [[gnu::cold]] void note_text(Node& n, Note what, const Header* h, std::string_view detail);

    static constexpr std::size_t SCRATCH_IDLE_KEEP = 64; // pooled objects an idle simulation keeps
    SimConfig cfg_;
    NodeScratch scratch_;
    // A parent's stream per child, in chunks that double up to a few MiB (huge pages at scale).
    static constexpr std::size_t STREAM_BLOCKS_MAX_PER_CHUNK = std::size_t{1} << 17;
    BlockPool stream_blocks_{BlockPool::DEFAULT_PER_CHUNK, STREAM_BLOCKS_MAX_PER_CHUNK}; // before nodes_: their streams are given back to it
    NodeShared shared_;
    Scheduler sched_;
    Rng rng_;
    // A segment's transmission time per byte, where the bandwidth divides a
    // second (1 Gbit/s: 8 ns): the same time as the division, without one per
    // segment. 0: divide.
    Time ns_per_byte_;
    EventLog log_;
    ChunkedStore<Node> nodes_; // in creation order; a Node never moves
    std::unordered_map<std::uint32_t, Scheduler::TaskId> shutdown_deadlines_; // by node index
    IdMap by_id_;               // context ID -> node index
    std::vector<Link, HugeAllocator<Link>> links_; // a node's stream tag is link * 2 + its direction
    SegmentStore segs_;         // segments in flight: the scheduler's events carry their handles
    // Messages handed to Router.route(), waiting for their event: no closure and
    // no buffer each (the payload waits in the segment store, as bytes on a link do).
    struct PendingRoute {
        std::uint32_t node = 0;
        std::uint32_t seg = 0; // the payload, in segs_
        Header h{};
    };
    SlotTable<PendingRoute> routes_;
    // Children spawned and not yet connected (Router.local() waiting for the
    // child's first bytes): a slot each rather than a closure on the heap.
    struct PendingConnect {
        std::uint32_t parent = 0; // node index
        StreamId stream = 0;      // the parent's stream to the child
        std::uint32_t spawn = 0;  // for Node::spawn_connected
    };
    SlotTable<PendingConnect> connects_;
    LinkStats link_stats_;      // all links together
    std::size_t alive_ = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(Note::count_)> notes_{};
    // Every key is a handle below FIRST_DYNAMIC, IS_DEAD or FIRST_DYNAMIC (replies).
    std::array<HandleStats, handle::FIRST_DYNAMIC + 1> handle_counts_{};
    mutable std::map<std::uint32_t, HandleStats> per_handle_;
    std::uint64_t hops_ = 0;
    std::uint64_t log_records_ = 0;
    std::uint64_t in_flight_ = 0;
    PcapWriter* pcap_ = nullptr;
};

} // namespace mitokit::sim
