// Objects that never move, in creation order, indexed by position: what
// std::deque gives, without its cost here. libstdc++'s deque fits two 176-byte
// Nodes in a 512-byte block, so a million contexts cost half a million blocks
// (80 bytes a context wasted) and every index a division and two dependent
// loads. Here an index is a shift, a mask and one load from a small table of
// chunks of 2^CHUNK_BITS objects.
//
// The chunks are the blocks of a BlockPool whose allocations double (1, 2, 4 ...
// up to MAX_ALLOC_CHUNKS chunks): a small store stays small, and a big one's
// allocations reach HUGE_PAGE_BYTES and come in transparent huge pages
// (huge_pages.hpp) without a bigger chunk, which would cost a small store more.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "mitokit/sim/block_pool.hpp"

namespace mitokit::sim {

template <class T, unsigned CHUNK_BITS = 8>
class ChunkedStore {
public:
    static constexpr std::size_t CHUNK = std::size_t{1} << CHUNK_BITS;
    static constexpr std::size_t MAX_ALLOC_CHUNKS = 256;
    static_assert(alignof(T) <= alignof(std::max_align_t), "a BlockPool's blocks are aligned for operator new");

    ChunkedStore() = default;
    ChunkedStore(const ChunkedStore&) = delete;
    ChunkedStore& operator=(const ChunkedStore&) = delete;
    ~ChunkedStore() {
        // Newest first, the reverse of construction.
        while (size_) std::destroy_at(&(*this)[--size_]);
    }

    template <class... Args>
    T& emplace_back(Args&&... args) {
        if ((size_ & (CHUNK - 1)) == 0 && (size_ >> CHUNK_BITS) == chunks_.size()) add_chunk();
        T* p = std::construct_at(chunks_[size_ >> CHUNK_BITS] + (size_ & (CHUNK - 1)), std::forward<Args>(args)...);
        ++size_;
        return *p;
    }
    T& operator[](std::size_t i) noexcept { return chunks_[i >> CHUNK_BITS][i & (CHUNK - 1)]; }
    const T& operator[](std::size_t i) const noexcept { return chunks_[i >> CHUNK_BITS][i & (CHUNK - 1)]; }
    std::size_t size() const noexcept { return size_; }
    T& front() noexcept { return (*this)[0]; }
    T& back() noexcept { return (*this)[size_ - 1]; }
    // Allocations made so far (for tests: how the chunks were carved).
    std::size_t allocations() const noexcept { return pool_.chunks(); }

    template <class Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < size_; ++i) fn((*this)[i]);
    }

private:
    void add_chunk() {
        chunks_.reserve(chunks_.size() + 1); // the chunk is not lost if this throws
        // At operator new's alignment, which covers T's and the pool's own (its free list).
        chunks_.push_back(static_cast<T*>(pool_.allocate(CHUNK * sizeof(T), alignof(std::max_align_t))));
    }

    BlockPool pool_{1, MAX_ALLOC_CHUNKS}; // its blocks are the chunks; before chunks_, which point into it
    std::vector<T*> chunks_;               // chunk k holds objects k * CHUNK ...
    std::size_t size_ = 0;
};

} // namespace mitokit::sim
