// The discrete-event scheduler: the only source of simulated time and of order.
// Events at the same instant run in the order they were scheduled, so a run is a
// pure function of (seed, configuration). Every event the simulation considers
// observable is appended to the EventLog, whose hash is the determinism check.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
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

    Time now() const noexcept { return now_; }
    void at(Time t, Task task);
    void after(Time delay, Task task) { at(now_ + delay, std::move(task)); }

    // Runs events until none are left, `until` is passed, or `max_events` ran.
    // Returns the number of events run.
    std::uint64_t run(Time until = UINT64_MAX, std::uint64_t max_events = UINT64_MAX);
    bool empty() const noexcept { return q_.empty(); }
    std::size_t pending() const noexcept { return q_.size(); }
    std::uint64_t executed() const noexcept { return executed_; }

private:
    // The heap orders small keys; tasks live in a slot pool, so heap moves are cheap.
    struct Item {
        Time t;
        std::uint64_t seq;
        std::uint32_t slot;
        bool operator>(const Item& o) const noexcept { return t != o.t ? t > o.t : seq > o.seq; }
    };
    std::priority_queue<Item, std::vector<Item>, std::greater<>> q_;
    std::vector<Task> slots_;
    std::vector<std::uint32_t> free_;
    Time now_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t executed_ = 0;
};

} // namespace mitokit::sim
