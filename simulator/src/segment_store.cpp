#include "mitokit/sim/segment_store.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace mitokit::sim {

static_assert(SegmentStore::SLOT <= 65535, "slot lengths are kept in 16 bits");
static_assert(SegmentStore::SLOT % 64 == 0, "a slot is whole cache lines");
// Handles below 2^31 are slots: 2^31 slots would be 512 GiB of chunks, so memory
// runs out (std::bad_alloc, as for any other allocation) long before they do.

namespace {

// The most recently released index in `free` (the warmest memory), if any.
bool reuse(std::vector<std::uint32_t>& free, std::uint32_t& i) {
    if (free.empty()) return false;
    i = free.back();
    free.pop_back();
    return true;
}

} // namespace

std::uint32_t SegmentStore::make_slow(std::size_t len) {
    if (len <= SLOT) {
        std::uint32_t h;
        if (!reuse(free_small_, h)) {
            h = static_cast<std::uint32_t>(small_len_.size());
            if (h % SLOTS_PER_CHUNK == 0) {
                // Line-aligned, so a frame of up to SLOT bytes spans no more lines than it must.
                auto* p = static_cast<std::uint8_t*>(std::aligned_alloc(64, SLOTS_PER_CHUNK * SLOT));
                if (!p) throw std::bad_alloc();
                chunks_.emplace_back(p);
            }
            small_len_.push_back(0);
        }
        small_len_[h] = static_cast<std::uint16_t>(len);
        return h;
    }
    std::uint32_t i;
    if (!reuse(free_large_, i)) {
        i = static_cast<std::uint32_t>(large_.size());
        large_.emplace_back();
    }
    large_[i].resize(len);
    return LARGE | i;
}

void SegmentStore::prefetch_length(std::uint32_t h) const noexcept {
    if (h & LARGE) __builtin_prefetch(&large_[h & ~LARGE]);
    else __builtin_prefetch(&small_len_[h]);
}

void SegmentStore::prefetch(std::uint32_t h) const noexcept {
    const std::uint8_t* p = data(h);
    const std::size_t n = size(h);
    // A large segment's first lines only: the decoder's own reads stream the rest.
    for (std::size_t off = 0; off < std::min<std::size_t>(n, SLOT); off += 64) __builtin_prefetch(p + off);
}

void SegmentStore::release_large(std::uint32_t h) {
    const std::uint32_t i = h & ~LARGE;
    // A burst's large buffers are not all kept for ever.
    if (free_large_.size() >= KEEP_LARGE) std::vector<std::uint8_t>().swap(large_[i]);
    free_large_.push_back(i);
}

void SegmentStore::FreeChunk::operator()(std::uint8_t* p) const noexcept { std::free(p); }

void SegmentStore::trim() {
    if (in_use() != 0) return;
    std::vector<std::unique_ptr<std::uint8_t[], FreeChunk>>().swap(chunks_);
    std::vector<std::uint16_t>().swap(small_len_);
    std::vector<std::uint32_t>().swap(free_small_);
    std::vector<std::vector<std::uint8_t>>().swap(large_);
    std::vector<std::uint32_t>().swap(free_large_);
}

} // namespace mitokit::sim
