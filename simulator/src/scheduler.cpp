#include "mitokit/sim/scheduler.hpp"

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

std::string hash_hex(std::uint64_t h) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void Scheduler::at(Time t, Task task) {
    if (t < now_) t = now_; // the past is closed: late events run now, in order
    q_.push(Item{t, seq_++, std::move(task)});
}

std::uint64_t Scheduler::run(Time until, std::uint64_t max_events) {
    std::uint64_t n = 0;
    while (!q_.empty() && n < max_events) {
        const Item& top = q_.top();
        if (top.t > until) break;
        now_ = top.t;
        Task task = std::move(top.task);
        q_.pop();
        task();
        ++n;
        ++executed_;
    }
    return n;
}

} // namespace mitokit::sim
