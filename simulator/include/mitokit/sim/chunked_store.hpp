// Objects that never move, in creation order, indexed by position: what
// std::deque gives, without its cost here. libstdc++'s deque fits two 176-byte
// Nodes in a 512-byte block, so a million contexts cost half a million blocks
// (80 bytes a context wasted) and every index a division and two dependent
// loads. Here a chunk holds 2^CHUNK_BITS objects: one allocation per chunk, and
// an index is a shift, a mask and one load from a small table.
#pragma once
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace mitokit::sim {

template <class T, unsigned CHUNK_BITS = 8>
class ChunkedStore {
public:
    static constexpr std::size_t CHUNK = std::size_t{1} << CHUNK_BITS;

    ChunkedStore() = default;
    ChunkedStore(const ChunkedStore&) = delete;
    ChunkedStore& operator=(const ChunkedStore&) = delete;
    ~ChunkedStore() {
        // Newest first, the reverse of construction.
        while (size_) std::destroy_at(&(*this)[--size_]);
    }

    template <class... Args>
    T& emplace_back(Args&&... args) {
        if ((size_ & (CHUNK - 1)) == 0 && (size_ >> CHUNK_BITS) == chunks_.size()) chunks_.push_back(Chunk(alloc_.allocate(CHUNK), Free{}));
        T* p = std::construct_at(chunks_[size_ >> CHUNK_BITS].get() + (size_ & (CHUNK - 1)), std::forward<Args>(args)...);
        ++size_;
        return *p;
    }
    T& operator[](std::size_t i) noexcept { return chunks_[i >> CHUNK_BITS].get()[i & (CHUNK - 1)]; }
    const T& operator[](std::size_t i) const noexcept { return chunks_[i >> CHUNK_BITS].get()[i & (CHUNK - 1)]; }
    std::size_t size() const noexcept { return size_; }
    T& front() noexcept { return (*this)[0]; }
    T& back() noexcept { return (*this)[size_ - 1]; }

    template <class Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < size_; ++i) fn((*this)[i]);
    }

private:
    struct Free {
        void operator()(T* p) const noexcept { std::allocator<T>().deallocate(p, CHUNK); }
    };
    using Chunk = std::unique_ptr<T, Free>;
    std::allocator<T> alloc_;
    std::vector<Chunk> chunks_;
    std::size_t size_ = 0;
};

} // namespace mitokit::sim
