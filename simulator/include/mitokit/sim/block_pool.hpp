// Blocks of one size, carved from big chunks and recycled through a free list:
// for objects a simulation makes one of per context and frees only at the end
// (a parent's stream to each child). malloc costs a hundred-odd instructions
// each way and 16 bytes of header a block; here both ends are a few loads and
// stores, and a block takes only its size.
//
// The size is fixed by the first allocation. Chunks are freed with the pool, so
// it must outlive every block it handed out. A pool may let its chunks double,
// up to a cap: then a pool of a million streams reaches chunks of
// HUGE_PAGE_BYTES or more, which come in transparent huge pages (huge_pages.hpp),
// while a small one stays small.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mitokit/sim/huge_pages.hpp"

namespace mitokit::sim {

class BlockPool {
public:
    static constexpr std::size_t DEFAULT_PER_CHUNK = 256;
    // Chunks of `per_chunk` blocks, each next one twice the last up to `max_per_chunk` (0: no growth).
    explicit BlockPool(std::size_t per_chunk = DEFAULT_PER_CHUNK, std::size_t max_per_chunk = 0)
        : per_chunk_(per_chunk), max_per_chunk_(std::max(per_chunk, max_per_chunk)) {}
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;
    ~BlockPool() {
        for (const Chunk& c : chunks_) HugeAllocator<std::byte>().deallocate(c.mem, c.bytes);
    }

    // `size` bytes aligned to `align` (at most operator new's: the chunks'),
    // the size rounded up to it so that every block in a chunk is.
    void* allocate(std::size_t size, std::size_t align) {
        if (align > alignof(std::max_align_t) || align < alignof(FreeBlock))
            throw std::logic_error("BlockPool: unsupported alignment");
        size = (size + align - 1) / align * align;
        if (size < sizeof(FreeBlock)) size = sizeof(FreeBlock);
        if (size_ == 0) size_ = size;
        if (size != size_) throw std::logic_error("BlockPool: one block size per pool");
        if (free_) {
            FreeBlock* b = free_;
            free_ = b->next;
            return b;
        }
        if (left_ == 0) {
            const std::size_t asked = chunks_.empty() ? per_chunk_ : std::min(chunks_.back().asked * 2, max_per_chunk_);
            const std::size_t bytes = huge_fill<std::byte>(size_ * asked); // the blocks, and more if they fit
            chunks_.reserve(chunks_.size() + 1); // no chunk is lost if this throws
            chunks_.push_back(Chunk{HugeAllocator<std::byte>().allocate(bytes), bytes, asked});
            next_ = chunks_.back().mem;
            left_ = bytes / size_;
        }
        void* p = next_;
        next_ += size_;
        --left_;
        return p;
    }
    void deallocate(void* p) noexcept {
        if (!p) return;
        free_ = std::construct_at(static_cast<FreeBlock*>(p), FreeBlock{free_});
    }
    // Chunks allocated so far.
    std::size_t chunks() const noexcept { return chunks_.size(); }
    // Bytes held in chunks (for memory reports).
    std::size_t heap_bytes() const noexcept {
        std::size_t bytes = 0;
        for (const Chunk& c : chunks_) bytes += c.bytes;
        return bytes;
    }

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    struct Chunk {
        std::byte* mem;
        std::size_t bytes;
        std::size_t asked; // blocks asked for (the next chunk asks for twice as many)
    };
    std::size_t per_chunk_, max_per_chunk_;
    std::size_t size_ = 0;
    std::vector<Chunk> chunks_; // freed by the destructor
    std::byte* next_ = nullptr;
    std::size_t left_ = 0;
    FreeBlock* free_ = nullptr;
};

} // namespace mitokit::sim
