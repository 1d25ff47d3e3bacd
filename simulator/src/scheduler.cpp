#include "mitokit/sim/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>

namespace mitokit::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

constexpr std::uint64_t FNV_PRIME = 0x100000001b3ull;

} // namespace

Rng::Rng(std::uint64_t seed) noexcept {
    for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    // Rejection sampling keeps the distribution exact (and platform independent).
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
    std::uint64_t v;
    do v = next(); while (v >= limit);
    return v % n;
}

void EventLog::record(std::string_view line) {
    std::uint64_t h = hash_;
    std::uint64_t n = line.size();
    for (int i = 0; i < 8; ++i) {
        h ^= (n >> (8 * i)) & 0xff;
        h *= FNV_PRIME;
    }
    for (unsigned char c : line) {
        h ^= c;
        h *= FNV_PRIME;
    }
    hash_ = h;
    ++count_;
    if (keep_) lines_.emplace_back(line);
}

void EventLog::record(std::uint64_t time, const char* what, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    std::uint64_t h = hash_;
    // A word at a time (this runs once per delivered segment); the fold keeps
    // high-bit differences flowing into later steps.
    const auto mix = [&h](std::uint64_t v) {
        h = (h ^ v) * FNV_PRIME;
        h ^= h >> 29;
    };
    mix(time);
    for (const char* p = what; *p; ++p) {
        h ^= static_cast<unsigned char>(*p);
        h *= FNV_PRIME;
    }
    mix(a);
    mix(b);
    mix(c);
    hash_ = h;
    ++count_;
    if (keep_) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "%llu %s %llu %llu %llu", static_cast<unsigned long long>(time), what,
                      static_cast<unsigned long long>(a), static_cast<unsigned long long>(b),
                      static_cast<unsigned long long>(c));
        lines_.emplace_back(buf);
    }
}

std::string hash_hex(std::uint64_t h) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void Scheduler::insert(const Item& it) {
    ++count_;
    if (it.t == last_) {
        ready_.push_back(it); // the largest seq so far: ready_ stays sorted
        return;
    }
    buckets_[std::bit_width(it.t ^ last_)].push_back(it);
}

bool Scheduler::prepare() {
    if (ready_pos_ < ready_.size()) return true;
    ready_.clear();
    ready_pos_ = 0;
    std::size_t k = 1;
    while (k < buckets_.size() && buckets_[k].empty()) ++k;
    if (k == buckets_.size()) return false;
    auto& b = buckets_[k];
    Time m = b[0].t;
    for (const Item& it : b) m = std::min(m, it.t);
    last_ = m;
    std::vector<Item> items = std::move(b);
    b.clear();
    count_ -= items.size();
    for (const Item& it : items) insert(it); // into lower buckets, or ready_ for t == m
    // Buckets stay in seq order (one is only refilled while empty); the sort is a cheap guard.
    std::sort(ready_.begin(), ready_.end(), [](const Item& x, const Item& y) { return x.seq < y.seq; });
    if (b.capacity() == 0) { // keep the storage for the bucket's next use
        items.clear();
        b = std::move(items);
    }
    return true;
}

void Scheduler::rebuild(Time floor) {
    // Something was posted before the instant already prepared (run() stopped at
    // `until` in between): start the buckets again from `floor`. Rare and O(n).
    std::vector<Item> all(ready_.begin() + static_cast<std::ptrdiff_t>(ready_pos_), ready_.end());
    for (auto& b : buckets_) {
        all.insert(all.end(), b.begin(), b.end());
        b.clear();
    }
    std::sort(all.begin(), all.end(), [](const Item& x, const Item& y) { return x.t != y.t ? x.t < y.t : x.seq < y.seq; });
    ready_.clear();
    ready_pos_ = 0;
    count_ = 0;
    last_ = floor;
    for (const Item& it : all) insert(it);
}

void Scheduler::at(Time t, Task task) {
    if (t < now_) t = now_; // the past is closed: late events run now, in order
    std::uint32_t slot;
    if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
        slots_[slot] = std::move(task);
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(std::move(task));
    }
    post(t, TASK, slot);
}

void Scheduler::trim() {
    if (count_ != 0) return;
    for (auto& b : buckets_) std::vector<Item>().swap(b);
    std::vector<Item>().swap(ready_);
    ready_pos_ = 0;
    std::vector<Task>().swap(slots_);
    std::vector<std::uint32_t>().swap(free_);
}

void Scheduler::post(Time t, std::uint32_t a, std::uint32_t b) {
    if (t < now_) t = now_;
    if (t < last_) rebuild(t);
    insert(Item{t, seq_++, a, b});
}

std::uint64_t Scheduler::run(Time until, std::uint64_t max_events) {
    std::uint64_t n = 0;
    while (n < max_events && prepare()) {
        if (last_ > until) break;
        const Item it = ready_[ready_pos_++];
        --count_;
        now_ = it.t;
        if (it.a != TASK) {
            sink_->on_event(it.a, it.b);
        } else {
            Task task = std::move(slots_[it.b]);
            slots_[it.b] = nullptr;
            free_.push_back(it.b);
            task();
        }
        ++n;
        ++executed_;
    }
    return n;
}

} // namespace mitokit::sim
