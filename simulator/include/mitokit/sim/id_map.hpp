// A small open-addressing hash map from 32-bit IDs to 32-bit values, for the
// tables every context keeps (routes by context ID, a stream's egress IDs, the
// simulation's node index). An empty map holds no heap memory and a map of one
// entry holds none (it is kept inline: most of a leaf's maps hold one ID, and a
// hop then touches no table of theirs), where std::unordered_map costs over 150;
// this is what keeps an idle context under a kilobyte at a million contexts.
//
// Linear probing with backward-shift deletion (no tombstones); the table doubles
// past 3/4 full. Iteration order is by slot, not by key: callers that need an
// order sort what they collect (the router already does).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace mitokit::sim {

class IdMap {
public:
    using Key = std::uint32_t;
    using Value = std::uint32_t;

    IdMap() = default;
    IdMap(IdMap&&) noexcept = default;
    IdMap& operator=(IdMap&&) noexcept = default;
    IdMap(const IdMap&) = delete;
    IdMap& operator=(const IdMap&) = delete;

    std::size_t size() const noexcept { return size_ + (has_max_ ? 1 : 0); }
    bool empty() const noexcept { return size() == 0; }
    std::size_t capacity() const noexcept { return cap_; } // slots allocated (for memory reports)

    const Value* find(Key k) const noexcept {
        if (k == EMPTY) return has_max_ ? &max_value_ : nullptr;
        if (!cap_) return one_.key == k ? &one_.value : nullptr;
        for (std::uint32_t i = slot_of(k);; i = (i + 1) & (cap_ - 1)) {
            const Slot& s = slots_[i];
            if (s.key == k) return &s.value;
            if (s.key == EMPTY) return nullptr;
        }
    }
    bool contains(Key k) const noexcept { return find(k) != nullptr; }
    // A hint before lookups whose keys are not known yet: loads a small table.
    void prefetch() const noexcept {
        if (cap_ && cap_ <= 16) __builtin_prefetch(slots_.get());
    }
    // A hint before a lookup of `k`: loads the slot its probe starts at in a table
    // too big to stay in cache (a million routes in the master's).
    void prefetch(Key k) const noexcept {
        if (cap_ > 16) __builtin_prefetch(&slots_[slot_of(k)]);
    }
    std::optional<Value> get(Key k) const noexcept {
        const Value* v = find(k);
        return v ? std::optional<Value>(*v) : std::nullopt;
    }

    // Inserts or overwrites.
    void set(Key k, Value v) {
        if (k == EMPTY) {
            has_max_ = true;
            max_value_ = v;
            return;
        }
        if (!cap_) {
            if (one_.key == k || one_.key == EMPTY) {
                size_ = 1;
                one_ = Slot{k, v};
                return;
            }
            grow(); // a second key: into a table
        } else if ((size_ + 1) * 4 > cap_ * 3) {
            grow();
        }
        for (std::uint32_t i = slot_of(k);; i = (i + 1) & (cap_ - 1)) {
            Slot& s = slots_[i];
            if (s.key == k) {
                s.value = v;
                return;
            }
            if (s.key == EMPTY) {
                s = Slot{k, v};
                ++size_;
                return;
            }
        }
    }
    // Inserts if absent; true when it was inserted.
    bool insert(Key k, Value v = 0) {
        if (contains(k)) return false;
        set(k, v);
        return true;
    }

    bool erase(Key k) noexcept {
        if (k == EMPTY) {
            const bool had = has_max_;
            has_max_ = false;
            return had;
        }
        if (!cap_) {
            if (one_.key != k) return false;
            release();
            return true;
        }
        const std::uint32_t mask = cap_ - 1;
        std::uint32_t i = slot_of(k);
        while (slots_[i].key != k) {
            if (slots_[i].key == EMPTY) return false;
            i = (i + 1) & mask;
        }
        // Backward shift: pull later entries of the probe run into the hole.
        std::uint32_t hole = i;
        for (std::uint32_t j = (i + 1) & mask; slots_[j].key != EMPTY; j = (j + 1) & mask) {
            const std::uint32_t home = slot_of(slots_[j].key);
            // Move j into the hole unless its home lies cyclically in (hole, j].
            const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                slots_[hole] = slots_[j];
                hole = j;
            }
        }
        slots_[hole].key = EMPTY;
        --size_;
        if (size_ == 0) release(); // an emptied table gives its memory back (the sentinel key stays)
        return true;
    }

    void clear() noexcept {
        release();
        has_max_ = false;
    }

    // fn(key, value) for every entry, in slot order.
    template <class Fn>
    void for_each(Fn&& fn) const {
        if (!cap_ && one_.key != EMPTY) fn(one_.key, one_.value);
        for (std::uint32_t i = 0; i < cap_; ++i)
            if (slots_[i].key != EMPTY) fn(slots_[i].key, slots_[i].value);
        if (has_max_) fn(EMPTY, max_value_);
    }

private:
    static constexpr Key EMPTY = 0xffffffffu; // kept aside in has_max_/max_value_
    struct Slot {
        Key key = EMPTY;
        Value value = 0;
    };

    std::uint32_t slot_of(Key k) const noexcept {
        // Fibonacci hashing: context IDs are dense, so spread them.
        return static_cast<std::uint32_t>((static_cast<std::uint64_t>(k) * 0x9e3779b97f4a7c15ull) >> 32) &
               (cap_ - 1);
    }

    void release() noexcept { // every entry but the sentinel key's
        slots_.reset();
        one_ = Slot{};
        cap_ = 0;
        size_ = 0;
    }

    void grow() {
        const std::uint32_t old_cap = cap_;
        auto old = std::move(slots_);
        const Slot inline_one = one_;
        one_ = Slot{};
        cap_ = old_cap ? old_cap * 2 : 4;
        slots_ = std::make_unique<Slot[]>(cap_);
        size_ = 0;
        if (!old_cap && inline_one.key != EMPTY) set(inline_one.key, inline_one.value);
        for (std::uint32_t i = 0; i < old_cap; ++i)
            if (old[i].key != EMPTY) set(old[i].key, old[i].value);
    }

    std::unique_ptr<Slot[]> slots_;
    Slot one_{};                 // the only entry while there is no table (cap_ == 0)
    std::uint32_t cap_ = 0;
    std::uint32_t size_ = 0;
    Value max_value_ = 0;
    bool has_max_ = false;
};

} // namespace mitokit::sim
