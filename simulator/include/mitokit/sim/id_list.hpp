// A list of context IDs in one heap block, its size and capacity in the block's
// first two words, so the owner holds one pointer: a stream's announced routes
// (RouteMonitor._routes_by_stream), which a parent's stream to each child gains
// on the first route and a leaf's streams never do. A std::vector behind a
// pointer cost two allocations and a second header for the same IDs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace mitokit::sim {

class IdList {
public:
    using Id = std::uint32_t;

    std::size_t size() const noexcept { return block_ ? block_[0] : 0; }
    bool empty() const noexcept { return size() == 0; }
    const Id* begin() const noexcept { return block_ ? block_.get() + HEAD : nullptr; }
    const Id* end() const noexcept { return begin() + size(); }

    void push_back(Id id) {
        const Id n = static_cast<Id>(size());
        if (!block_ || n == block_[1]) grow(n ? 2 * n : FIRST);
        block_[HEAD + n] = id;
        block_[0] = n + 1;
    }
    // Removes every copy of `id`, keeping the order of the rest.
    void erase_value(Id id) noexcept {
        if (!block_) return;
        Id* first = block_.get() + HEAD;
        block_[0] = static_cast<Id>(std::remove(first, first + block_[0], id) - first);
    }
    // The IDs, leaving the list empty with no memory.
    std::vector<Id> take() {
        std::vector<Id> out(begin(), end());
        clear();
        return out;
    }
    void clear() noexcept { block_.reset(); }
    // Heap bytes held (for memory reports).
    std::size_t heap_bytes() const noexcept { return block_ ? (HEAD + block_[1]) * sizeof(Id) : 0; }

private:
    static constexpr std::size_t HEAD = 2; // size, capacity
    // Four to start, then doubling: the head and four IDs fill malloc's smallest block.
    static constexpr Id FIRST = 4;

    void grow(Id capacity) {
        auto block = std::make_unique_for_overwrite<Id[]>(HEAD + capacity);
        const Id n = static_cast<Id>(size());
        if (n) std::copy(begin(), end(), block.get() + HEAD);
        block[0] = n;
        block[1] = capacity;
        block_ = std::move(block);
    }

    std::unique_ptr<Id[]> block_;
};

} // namespace mitokit::sim
