// The discrete-event scheduler: the only source of simulated time and of order.
// Events at the same instant run in the order they were scheduled, so a run is a
// pure function of (seed, configuration). Every event the simulation considers
// observable is appended to the EventLog, whose hash is the determinism check.
#pragma once

#include <cstdint>
#include <functional>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::sim {

using Time = std::uint64_t; // simulated nanoseconds since the start of the run

inline constexpr Time NS = 1;
inline constexpr Time US = 1000 * NS;
inline constexpr Time MS = 1000 * US;
inline constexpr Time SEC = 1000 * MS;

// Seeded PRNG (xoshiro256**, seeded through splitmix64): small, fast and the same
// on every platform, unlike std:: distributions.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept;
    std::uint64_t next() noexcept;
    // Uniform in [0, n); n == 0 gives 0.
    std::uint64_t below(std::uint64_t n) noexcept;
    // True with probability num/den.
    bool chance(std::uint64_t num, std::uint64_t den) noexcept { return below(den) < num; }

private:
    std::uint64_t s_[4];
};

// FNV-1a 64 over a sequence of records. Records are hashed with their length so
// that ("ab","c") and ("a","bc") differ.
class EventLog {
public:
    void record(std::string_view line);
    // A fixed-shape record hashed as binary (no formatting on the hot path);
    // printed as "<time> <what> a b c" when lines are kept.
    void record(std::uint64_t time, const char* what, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0);
    std::uint64_t hash() const noexcept { return hash_; }
    std::uint64_t count() const noexcept { return count_; }
    // Keep the text of every record (tests, --event-log); off by default at scale.
    void keep_lines(bool on) { keep_ = on; }
    const std::vector<std::string>& lines() const noexcept { return lines_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ull;
    std::uint64_t count_ = 0;
    bool keep_ = false;
    std::vector<std::string> lines_;
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

    protected:
        ~Sink() = default;
    };

    Time now() const noexcept { return now_; }
    void at(Time t, Task task);
    void after(Time delay, Task task) { at(now_ + delay, std::move(task)); }
    // A compact event for the sink, ordered with Tasks by (time, scheduling order).
    // `a` must not be TASK.
    void post(Time t, std::uint32_t a, std::uint32_t b);
    void set_sink(Sink* s) noexcept { sink_ = s; }
    static constexpr std::uint32_t TASK = 0xffffffffu;

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
    // Time never goes back, so the queue is a radix heap on t (bucket k holds
    // items whose t first differs from last_ in bit k-1): appends and sequential
    // scans instead of a binary heap's cache misses at a million pending events.
    // Items at t == last_ wait in ready_, sorted by seq; anything posted for that
    // same instant has a larger seq and is appended, so (t, seq) order is exact.
    void insert(const Item& it);
    bool prepare(); // fills ready_ with the next instant's items; false if none
    void rebuild(Time floor);
    std::array<std::vector<Item>, 65> buckets_;
    std::vector<Item> ready_;
    std::size_t ready_pos_ = 0;
    Time last_ = 0;            // the instant ready_ belongs to (>= now_)
    std::size_t count_ = 0;    // pending items
    Sink* sink_ = nullptr;
    std::vector<Task> slots_;
    std::vector<std::uint32_t> free_;
    Time now_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t executed_ = 0;
};

} // namespace mitokit::sim
