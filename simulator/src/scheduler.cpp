#include "mitokit/sim/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <utility>

namespace mitokit::sim {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

} // namespace

Rng::Rng(std::uint64_t seed) noexcept {
    for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::below_retry(std::uint64_t n, std::uint64_t low, std::uint64_t high) noexcept {
    __extension__ using u128 = unsigned __int128;
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
        const u128 m = static_cast<u128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
        high = static_cast<std::uint64_t>(m >> 64);
    }
    return high;
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
    if (keep_ || sink_) emit(line);
}

void EventLog::emit(std::string_view line) {
    if (keep_) lines_.emplace_back(line);
    if (sink_) sink_(line);
}

void EventLog::emit_fixed(std::uint64_t time, std::string_view what, std::uint64_t a, std::uint64_t b,
                          std::uint64_t c) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%llu %.*s %llu %llu %llu", static_cast<unsigned long long>(time),
                  static_cast<int>(what.size()), what.data(),
                  static_cast<unsigned long long>(a), static_cast<unsigned long long>(b),
                  static_cast<unsigned long long>(c));
    emit(buf);
}

std::string hash_hex(std::uint64_t h) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void Scheduler::insert(const Item& it) {
    ++count_;
    const Time slot = slot_of(it.t);
    if (slot == cur_slot_ && ready_live_ && it.t == now_) {
        now_items_.push_back(it); // after every ready_ item at now_ (smaller seq), before later ones
        return;
    }
    if (slot == cur_slot_ && ready_live_) {
        // Into the slot being run: after everything before it in (t, seq) order.
        const Item* at = std::upper_bound(ready_.begin() + ready_pos_, ready_.end(), it, before);
        ready_.insert(static_cast<std::size_t>(at - ready_.begin()), it);
        return;
    }
    if (slot - cur_slot_ < RING) {
        const std::size_t pos = slot & (RING - 1);
        PodBuffer<Item>& bucket = ring_[pos];
        take_spare(bucket);
        bucket.push_back(it);
        set_occupied(pos);
        return;
    }
    far_.push_back(it);
    std::push_heap(far_.begin(), far_.end(), [](const Item& x, const Item& y) { return before(y, x); });
}

void Scheduler::pull_far() {
    const auto later = [](const Item& x, const Item& y) { return before(y, x); };
    while (!far_.empty() && slot_of(far_.front().t) - cur_slot_ < RING) {
        std::pop_heap(far_.begin(), far_.end(), later);
        const Item it = far_.back();
        far_.pop_back();
        --count_; // insert counts it again
        insert(it);
    }
}

// Inline: it runs two or three times per event (run() and prepare()).
inline const Scheduler::Item* Scheduler::peek() const noexcept {
    const bool have_now = now_pos_ < now_items_.size(), have_ready = ready_pos_ < ready_.size();
    if (have_now && (!have_ready || before(now_items_[now_pos_], ready_[ready_pos_]))) return &now_items_[now_pos_];
    return have_ready ? &ready_[ready_pos_] : nullptr;
}

bool Scheduler::prepare() {
    // run() calls this only once the slot being run has nothing left.
    ready_.clear();
    ready_pos_ = 0;
    now_items_.clear();
    now_pos_ = 0;
    // The slot after the one just run, or this one if it was never loaded.
    Time slot = ready_live_ ? cur_slot_ + 1 : cur_slot_;
    ready_live_ = false;
    if (count_ == 0) return false;
    for (;;) {
        cur_slot_ = slot;
        if (!far_.empty()) pull_far();
        // The first non-empty bucket from `slot` round the ring: in the start's
        // word at or after it, else in the first non-empty word after that one
        // (the summary, rotated so that word comes first; the start's own word
        // comes last, for buckets before the start: a whole turn ahead).
        const std::size_t start = slot & (RING - 1);
        const std::size_t w0 = start >> 6;
        std::size_t pos = RING;
        if (const std::uint64_t here = occupied_[w0] & (~std::uint64_t{0} << (start & 63)))
            pos = (w0 << 6) | static_cast<std::size_t>(std::countr_zero(here));
        else if (const std::uint32_t rest = std::rotr(summary_, static_cast<int>(w0 + 1))) {
            const std::size_t w = (w0 + 1 + static_cast<std::size_t>(std::countr_zero(rest))) & (WORDS - 1);
            pos = (w << 6) | static_cast<std::size_t>(std::countr_zero(occupied_[w]));
        }
        if (pos != RING) {
            const std::size_t k = (pos - start) & (RING - 1);
            cur_slot_ = slot + k;
            if (!far_.empty()) pull_far();
            ready_.swap(ring_[pos]);
            keep_spare(ring_[pos]); // the emptied buffer it got in exchange
            clear_occupied(pos);
            // Buckets fill in scheduling order except for items pulled from far_.
            if (ready_.size() > 1) order_ready();
            ready_live_ = true;
            return true;
        }
        if (far_.empty()) return false; // cannot happen while count_ > 0
        slot = slot_of(far_.front().t); // the ring is empty: jump to the earliest far event
    }
}

void Scheduler::order_ready() {
    const std::size_t n = ready_.size();
    if (n <= SMALL_SORT) {
        // A slot holds two or three events on average: an insertion sort makes
        // one comparison per item when they are in order already, and few moves
        // when jitter has swapped a pair.
        for (std::size_t i = 1; i < n; ++i) {
            if (!before(ready_[i], ready_[i - 1])) continue;
            const Item x = ready_[i];
            std::size_t j = i;
            do {
                ready_[j] = ready_[j - 1];
                --j;
            } while (j > 0 && before(x, ready_[j - 1]));
            ready_[j] = x;
        }
        return;
    }
    bool by_time = true, by_seq = true;
    for (std::size_t i = 1; i < n; ++i) {
        by_time = by_time && !before(ready_[i], ready_[i - 1]);
        by_seq = by_seq && ready_[i - 1].seq < ready_[i].seq;
    }
    if (by_time) return;
    if (!by_seq || n < 64) { // items pulled from far_, or too few to pay for counting
        std::sort(ready_.begin(), ready_.end(), before);
        return;
    }
    // In scheduling order already (the usual case: a burst of deliveries whose
    // jitter mixes their times): a stable counting sort by the time within the
    // slot gives (t, seq) order in two passes over the items, where a comparison
    // sort makes about log2(n).
    constexpr std::size_t SLOT_TIMES = std::size_t{1} << SLOT_SHIFT;
    constexpr Time MASK = SLOT_TIMES - 1;
    std::array<std::uint32_t, SLOT_TIMES + 1> start{};
    for (const Item& it : ready_) ++start[(it.t & MASK) + 1];
    for (std::size_t k = 1; k <= SLOT_TIMES; ++k) start[k] += start[k - 1];
    sorted_.resize_for_overwrite(n);
    for (const Item& it : ready_) sorted_[start[it.t & MASK]++] = it;
    ready_.swap(sorted_);
}

void Scheduler::rebuild(Time slot) {
    // Something was posted before the slot already prepared (run() stopped at
    // `until` in between): start the ring again from `slot`. Rare and O(n).
    std::vector<Item> all(ready_.begin() + ready_pos_, ready_.end());
    all.insert(all.end(), now_items_.begin() + now_pos_, now_items_.end());
    now_items_.clear();
    now_pos_ = 0;
    for (auto& b : ring_) {
        all.insert(all.end(), b.begin(), b.end());
        b.clear();
    }
    occupied_.fill(0);
    summary_ = 0;
    all.insert(all.end(), far_.begin(), far_.end());
    far_.clear();
    ready_.clear();
    ready_pos_ = 0;
    ready_live_ = false;
    count_ = 0;
    cur_slot_ = slot;
    for (const Item& it : all) insert(it);
}

Scheduler::TaskId Scheduler::at(Time t, Task task) {
    if (t < now_) t = now_; // the past is closed: late events run now, in order
    const TaskId id = slots_.put(std::move(task));
    post(t, TASK, id);
    return id;
}

void Scheduler::trim() {
    if (count_ != 0) return;
    for (auto& b : ring_) PodBuffer<Item>().swap(b);
    for (auto& b : spare_) PodBuffer<Item>().swap(b);
    spare_count_ = 0;
    std::vector<Item>().swap(far_);
    PodBuffer<Item>().swap(ready_);
    PodBuffer<Item>().swap(sorted_);
    ready_pos_ = 0;
    PodBuffer<Item>().swap(now_items_);
    now_pos_ = 0;
    slots_.release();
}

void Scheduler::post_slow(Time t, std::uint32_t a, std::uint32_t b) {
    if (slot_of(t) < cur_slot_) rebuild(slot_of(t));
    insert(Item{t, seq_++, a, b});
}

std::uint64_t Scheduler::run(Time until, std::uint64_t max_events) {
    std::uint64_t n = 0;
    while (n < max_events) {
        const Item* next = peek();
        if (!next) {
            if (!prepare()) break;
            next = peek();
        }
        if (next->t > until) break;
        if (prefetching_ && count_ >= prefetch_min_pending_) {
            for (int stage = 0; stage < static_cast<int>(PREFETCH_STAGES.size()); ++stage) {
                const std::size_t ahead = ready_pos_ + PREFETCH_STAGES[static_cast<std::size_t>(stage)];
                if (ahead < ready_.size() && ready_[ahead].a != TASK) sink_->prefetch(ready_[ahead].a, ready_[ahead].b, stage);
            }
        }
        const Item it = *next;
        if (next == ready_.data() + ready_pos_) ++ready_pos_;
        else ++now_pos_;
        --count_;
        if (it.a != TASK) [[likely]] {
            now_ = it.t;
            sink_->on_event(it.a, it.b);
        } else {
            if (!slots_[it.b]) { // cancelled
                slots_.take(it.b);
                continue;
            }
            now_ = it.t;
            Task task = slots_.take(it.b);
            task();
        }
        ++n;
        ++executed_;
    }
    return n;
}

} // namespace mitokit::sim
