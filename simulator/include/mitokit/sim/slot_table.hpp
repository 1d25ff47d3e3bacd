// Values waiting for an event, each found again by a 32-bit slot: what a
// scheduled event or a small callback carries instead of a closure on the heap.
// Freed slots are reused last in first out, so a steady flow stays in the same
// few cache lines.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace mitokit::sim {

template <class T>
class SlotTable {
public:
    std::uint32_t put(T v) {
        if (free_.empty()) {
            items_.push_back(std::move(v));
            return static_cast<std::uint32_t>(items_.size() - 1);
        }
        const std::uint32_t slot = free_.back();
        free_.pop_back();
        items_[slot] = std::move(v);
        return slot;
    }
    // The value, its slot left holding a default T and free for reuse.
    T take(std::uint32_t slot) {
        T v = std::move(items_[slot]);
        items_[slot] = T{};
        free_.push_back(slot);
        return v;
    }
    T& operator[](std::uint32_t slot) noexcept { return items_[slot]; }
    const T& operator[](std::uint32_t slot) const noexcept { return items_[slot]; }
    const T* address(std::uint32_t slot) const noexcept { return items_.data() + slot; } // for prefetching
    std::size_t in_use() const noexcept { return items_.size() - free_.size(); }
    std::size_t capacity() const noexcept { return items_.capacity(); }
    // Gives the memory back; only when nothing is in use.
    void release() {
        std::vector<T>().swap(items_);
        std::vector<std::uint32_t>().swap(free_);
    }

private:
    std::vector<T> items_;
    std::vector<std::uint32_t> free_;
};

} // namespace mitokit::sim
