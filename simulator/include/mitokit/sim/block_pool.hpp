// Blocks of one size, carved from big chunks and recycled through a free list:
// for objects a simulation makes one of per context and frees only at the end
// (a parent's stream to each child). malloc costs a hundred-odd instructions
// each way and 16 bytes of header a block; here both ends are a few loads and
// stores, and a block takes only its size.
//
// The size is fixed by the first allocation. Chunks are freed with the pool, so
// it must outlive every block it handed out.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <vector>

namespace mitokit::sim {

class BlockPool {
public:
    static constexpr std::size_t DEFAULT_PER_CHUNK = 256;
    explicit BlockPool(std::size_t per_chunk = DEFAULT_PER_CHUNK) : per_chunk_(per_chunk) {}
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

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
            chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(size_ * per_chunk_));
            next_ = chunks_.back().get();
            left_ = per_chunk_;
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
    // Bytes held in chunks (for memory reports).
    std::size_t heap_bytes() const noexcept { return chunks_.size() * size_ * per_chunk_; }

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    std::size_t per_chunk_;
    std::size_t size_ = 0;
    std::vector<std::unique_ptr<std::byte[]>> chunks_;
    std::byte* next_ = nullptr;
    std::size_t left_ = 0;
    FreeBlock* free_ = nullptr;
};

} // namespace mitokit::sim
