// The discrete-event scheduler: the only source of simulated time and of order.
// Events at the same instant run in the order they were scheduled, so a run is a
// pure function of (seed, configuration). Every event the simulation considers
// observable is appended to the EventLog, whose hash is the determinism check.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/sim/pod_buffer.hpp"
#include "mitokit/sim/slot_table.hpp"

namespace mitokit::sim {

using Time = std::uint64_t; // simulated nanoseconds since the start of the run

inline constexpr Time NS = 1;
inline constexpr Time US = 1000 * NS;
inline constexpr Time MS = 1000 * US;
inline constexpr Time SEC = 1000 * MS;

// Seeded PRNG (xoshiro256**, seeded through splitmix64): small, fast and the same
// on every platform, unlike std:: distributions.
// Inline: every segment put on a link draws twice, and with a constant bound
// (chance(p, 100)) the compiler folds below()'s rejection threshold.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept;
    std::uint64_t next() noexcept {
        const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = std::rotl(s_[3], 45);
        return result;
    }
    // Uniform in [0, n); n == 0 gives 0.
    std::uint64_t below(std::uint64_t n) noexcept {
        if (n == 0) return 0;
        // Lemire's multiply-shift with rejection: exact (unbiased) and platform
        // independent, and a division only in the rare rejection case.
        __extension__ using u128 = unsigned __int128;
        const u128 m = static_cast<u128>(next()) * n;
        if (static_cast<std::uint64_t>(m) < n) [[unlikely]]
            return below_retry(n, static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(m >> 64));
        return static_cast<std::uint64_t>(m >> 64);
    }
    // True with probability num/den.
    bool chance(std::uint64_t num, std::uint64_t den) noexcept { return below(den) < num; }

private:
    // below()'s rejection loop, given the first draw's low and high words.
    std::uint64_t below_retry(std::uint64_t n, std::uint64_t low, std::uint64_t high) noexcept;
    std::uint64_t s_[4];
};

// A fixed-shape record's kind: its name (for the text of kept lines) and the
// name's FNV-1a hash, both made at compile time from a literal, so that a record
// hashes one word for its kind instead of a loop over its letters.
class EventKind {
public:
    template <std::size_t N>
    consteval EventKind(const char (&name)[N]) : name_(name, N - 1), hash_(fnv1a(name_)) {}
    std::string_view name() const noexcept { return name_; }
    std::uint64_t hash() const noexcept { return hash_; }

private:
    static consteval std::uint64_t fnv1a(std::string_view s) {
        std::uint64_t h = 0xcbf29ce484222325ull;
        for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ull;
        return h;
    }
    std::string_view name_;
    std::uint64_t hash_;
};

// FNV-1a 64 over a sequence of records. Records are hashed with their length so
// that ("ab","c") and ("a","bc") differ.
class EventLog {
public:
    void record(std::string_view line);
    // A fixed-shape record hashed as binary (no formatting on the hot path);
    // printed as "<time> <what> a b c" when lines are kept.
    // Inline, with the text only made when kept or sunk: it runs once per delivered segment.
    void record(std::uint64_t time, EventKind what, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
        std::uint64_t h = hash_;
        // A word at a time; the fold keeps high-bit differences flowing into later steps.
        const auto mix = [&h](std::uint64_t v) {
            h = (h ^ v) * FNV_PRIME;
            h ^= h >> 29;
        };
        mix(time);
        mix(what.hash());
        mix(a);
        mix(b);
        mix(c);
        hash_ = h;
        ++count_;
        if (keep_ || sink_) [[unlikely]]
            emit_fixed(time, what.name(), a, b, c);
    }
    std::uint64_t hash() const noexcept { return hash_; }
    std::uint64_t count() const noexcept { return count_; }
    // Keep the text of every record (tests); off by default at scale.
    void keep_lines(bool on) { keep_ = on; }
    const std::vector<std::string>& lines() const noexcept { return lines_; }
    // Hand the text of every record to `sink` as it is made (--event-log writes
    // it out), so a long run's log does not have to fit in memory.
    using LineSink = std::function<void(std::string_view)>;
    void set_line_sink(LineSink sink) { sink_ = std::move(sink); }

private:
    static constexpr std::uint64_t FNV_PRIME = 0x100000001b3ull;
    void emit(std::string_view line);
    void emit_fixed(std::uint64_t time, std::string_view what, std::uint64_t a, std::uint64_t b, std::uint64_t c);

    std::uint64_t hash_ = 0xcbf29ce484222325ull;
    std::uint64_t count_ = 0;
    bool keep_ = false;
    std::vector<std::string> lines_;
    LineSink sink_;
};

std::string hash_hex(std::uint64_t h);

class Scheduler {
public:
    using Task = std::function<void()>;
    // Receives compact events: two words whose meaning is the owner's (the
    // simulation's segment deliveries), so the hottest events need no Task.
    class Sink {
    public:
        virtual void on_event(std::uint32_t a, std::uint32_t b) = 0;
        // A compact event due PREFETCH_STAGES[stage] events from now: the sink may
        // start loading what it will touch (stage 0 first, then what that points
        // to), so that a run over a million cold contexts waits less on memory.
        // It must not change anything.
        virtual void prefetch(std::uint32_t a, std::uint32_t b, int stage) {
            (void)a;
            (void)b;
            (void)stage;
        }

    protected:
        ~Sink() = default;
    };

    Time now() const noexcept { return now_; }
    using TaskId = std::uint32_t;
    TaskId at(Time t, Task task);
    TaskId after(Time delay, Task task) { return at(now_ + delay, std::move(task)); }
    // A task that has not run yet never will, and the clock does not move on to
    // its time for it. Only for an ID whose task is known not to have run.
    void cancel(TaskId id) { slots_[id] = nullptr; }
    // A compact event for the sink, ordered with Tasks by (time, scheduling order).
    // `a` must not be TASK.
    // Inline for the usual cases (a later slot's bucket, or the current instant):
    // every segment put on a link posts one.
    [[gnu::always_inline]] void post(Time t, std::uint32_t a, std::uint32_t b) {
        if (t < now_) t = now_;
        const Time slot = slot_of(t);
        if (slot - cur_slot_ - 1 < RING - 1) { // cur_slot_ < slot < cur_slot_ + RING
            const std::size_t pos = slot & (RING - 1);
            PodBuffer<Item>& bucket = ring_[pos];
            take_spare(bucket);
            ++count_;
            bucket.push_back(Item{t, seq_++, a, b});
            set_occupied(pos);
            return;
        }
        if (t == now_ && slot == cur_slot_ && ready_live_) {
            ++count_;
            now_items_.push_back(Item{t, seq_++, a, b});
            return;
        }
        post_slow(t, a, b);
    }
    void set_sink(Sink* s) noexcept { sink_ = s; }
    // Whether the sink gets prefetch hints (off by default): they pay only when
    // what the events touch does not fit in the caches.
    void set_prefetching(bool on) noexcept { prefetching_ = on; }
    // ... and, once on, only while at least this many events are pending: with fewer,
    // what the next events touch was written recently and is still cached, and the
    // hints cost more than they save (docs/performance.md, fourteenth session).
    void set_prefetch_min_pending(std::size_t n) noexcept { prefetch_min_pending_ = n; }
    static constexpr std::size_t PREFETCH_MIN_PENDING = 32768;
    static constexpr std::uint32_t TASK = 0xffffffffu;
    // How many events ahead each prefetch stage runs, farthest first.
    static constexpr std::array<std::size_t, 5> PREFETCH_STAGES{15, 12, 9, 6, 3};

    // Runs events until none are left, `until` is passed, or `max_events` ran.
    // Returns the number of events run.
    std::uint64_t run(Time until = UINT64_MAX, std::uint64_t max_events = UINT64_MAX);
    bool empty() const noexcept { return count_ == 0; }
    // With nothing pending, give back the memory the busiest moment needed.
    void trim();
    std::size_t pending() const noexcept { return count_; }
    std::uint64_t executed() const noexcept { return executed_; }

private:
    // Small items; tasks live in a slot pool. a == TASK: b is a slot in slots_;
    // otherwise (a, b) go to the sink.
    struct Item {
        Time t;
        std::uint64_t seq;
        std::uint32_t a, b;
    };
    static bool before(const Item& x, const Item& y) noexcept { return x.t != y.t ? x.t < y.t : x.seq < y.seq; }
    // A calendar queue: time is cut into slots of 2^SLOT_SHIFT ns and the next
    // RING slots each have a bucket (an append, no reordering, for nearly every
    // event: links deliver within a few hundred microseconds); later events wait in
    // a binary heap until the ring reaches them. The slot being run is sorted once
    // into ready_; an event posted into it for the current instant (the usual case:
    // a hand-off to the broker) is appended to now_, which run() merges with ready_
    // by (t, seq), and any other is inserted into ready_ in order.
    // Slots of 4 us rather than 1: when events are sparse (a tree built one
    // connect at a time), each lands in a bucket of its own, and a quarter as many
    // buckets stay in cache between visits (docs/performance.md, twelfth session).
    static constexpr unsigned SLOT_SHIFT = 12; // 4.096 us
    static constexpr std::size_t RING = 2048;  // 8.4 ms ahead
    static Time slot_of(Time t) noexcept { return t >> SLOT_SHIFT; }
    void insert(const Item& it);
    void post_slow(Time t, std::uint32_t a, std::uint32_t b); // post() for every other case
    bool prepare(); // fills ready_ with the next slot's items; false if none
    void rebuild(Time slot); // restart the ring at an earlier slot (rare)
    void pull_far();         // far_ items now within the ring's reach
    void order_ready();      // sorts ready_ by (t, seq)
    static constexpr std::size_t SMALL_SORT = 16; // order_ready's insertion sort up to this many items
    PodBuffer<Item> sorted_; // order_ready's buffer
    std::vector<PodBuffer<Item>> ring_ = std::vector<PodBuffer<Item>>(RING);
    static constexpr std::size_t WORDS = RING / 64;
    static_assert(WORDS == 32, "summary_ has a bit per occupancy word");
    std::array<std::uint64_t, WORDS> occupied_{}; // a bit per non-empty ring bucket
    std::uint32_t summary_ = 0;                   // a bit per non-zero occupied_ word
    void set_occupied(std::size_t pos) noexcept {
        occupied_[pos >> 6] |= std::uint64_t{1} << (pos & 63);
        summary_ |= std::uint32_t{1} << (pos >> 6);
    }
    void clear_occupied(std::size_t pos) noexcept {
        occupied_[pos >> 6] &= ~(std::uint64_t{1} << (pos & 63));
        if (!occupied_[pos >> 6]) summary_ &= ~(std::uint32_t{1} << (pos >> 6));
    }
    // Emptied bucket buffers, the warmest last, for the next buckets to fill: a
    // fixed stack whose entries past spare_count_ are empty buffers, so that a
    // hand-over either way is a swap (no buffer made or destroyed).
    static constexpr std::size_t SPARE_KEEP = 64;
    std::array<PodBuffer<Item>, SPARE_KEEP> spare_;
    std::size_t spare_count_ = 0;
    // A bucket about to take its first item takes the most recently emptied buffer: still in cache.
    void take_spare(PodBuffer<Item>& bucket) noexcept {
        if (bucket.capacity() == 0 && spare_count_) bucket.swap(spare_[--spare_count_]);
    }
    // A bucket just emptied gives its buffer up, where the bucket itself may not fill again for a turn of the ring.
    void keep_spare(PodBuffer<Item>& bucket) noexcept {
        if (bucket.capacity() && spare_count_ < SPARE_KEEP) bucket.swap(spare_[spare_count_++]);
    }
    std::vector<Item> far_;  // a min-heap by (t, seq)
    PodBuffer<Item> ready_;
    std::size_t ready_pos_ = 0;
    PodBuffer<Item> now_items_; // posted for t == now_ while its slot runs, in seq order
    std::size_t now_pos_ = 0;
    const Item* peek() const noexcept; // the next item of the slot being run, or null
    bool ready_live_ = false;  // ready_ holds slot cur_slot_ (events posted into it go there)
    Time cur_slot_ = 0;        // the ring covers [cur_slot_, cur_slot_ + RING)
    std::size_t count_ = 0;    // pending items
    Sink* sink_ = nullptr;
    bool prefetching_ = false;
    std::size_t prefetch_min_pending_ = PREFETCH_MIN_PENDING;
    SlotTable<Task> slots_;
    Time now_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t executed_ = 0;
};

} // namespace mitokit::sim
