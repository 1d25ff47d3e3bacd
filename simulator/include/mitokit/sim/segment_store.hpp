// The bytes of the segments in flight on links (and of messages waiting for the
// broker in Router.route()), by a 32-bit handle that the scheduler's compact
// events carry. A segment of at most SLOT bytes (nearly every frame: a
// getpid call with its header is 93, a route or a reply about 50, a
// _proxy_connect call 232) takes a fixed slot of four cache lines carved from
// large line-aligned chunks, so a burst of a million segments costs no
// allocation each, a frame spans no more lines than it must, and the slots of
// segments written one after another sit side by side, as they are read. A larger
// segment gets a vector of its own. Released handles are reused, last in first
// out (the warmest memory first).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace mitokit::sim {

class SegmentStore {
public:
    // Four lines: a context built through _proxy_connect sends its 232-byte call
    // three times (two hops and the wait for the broker), and a vector each was 2%
    // of a tree's build instructions (docs/performance.md, twenty-first session).
    static constexpr std::size_t SLOT = 256;
    static constexpr std::uint32_t SLOTS_PER_CHUNK = 256; // 64 KiB chunks, under malloc's mmap threshold
    // Large segments' vectors kept (with their memory) for reuse once released.
    static constexpr std::size_t KEEP_LARGE = 1024;
    static constexpr std::uint32_t NONE = 0xffffffffu; // never a handle

    // A new segment of `len` bytes (unspecified contents) and its handle.
    // Inline when a released slot is at hand (nearly always once a run is going).
    std::uint32_t make(std::size_t len) {
        if (len <= SLOT && !free_small_.empty()) [[likely]] {
            const std::uint32_t h = free_small_.back();
            free_small_.pop_back();
            small_len_[h] = static_cast<std::uint16_t>(len);
            return h;
        }
        return make_slow(len);
    }
    std::uint8_t* data(std::uint32_t h) noexcept { return (h & LARGE) ? large_[h & ~LARGE].data() : slot(h); }
    const std::uint8_t* data(std::uint32_t h) const noexcept {
        return (h & LARGE) ? large_[h & ~LARGE].data() : slot(h);
    }
    std::size_t size(std::uint32_t h) const noexcept { return (h & LARGE) ? large_[h & ~LARGE].size() : small_len_[h]; }
    std::span<const std::uint8_t> bytes(std::uint32_t h) const noexcept { return {data(h), size(h)}; }
    // Hints only. prefetch_length loads what size() reads; prefetch then loads the
    // bytes, every line of them (the decoder reads them all), and best runs once
    // the length has arrived.
    void prefetch_length(std::uint32_t h) const noexcept;
    void prefetch(std::uint32_t h) const noexcept;
    void release(std::uint32_t h) {
        if (!(h & LARGE)) [[likely]]
            free_small_.push_back(h);
        else
            release_large(h);
    }
    std::size_t in_use() const noexcept {
        return small_len_.size() - free_small_.size() + large_.size() - free_large_.size();
    }
    // Gives all memory back; only with no segment in use.
    void trim();

private:
    static constexpr std::uint32_t LARGE = 0x80000000u;
    std::uint32_t make_slow(std::size_t len);
    void release_large(std::uint32_t h);
    std::uint8_t* slot(std::uint32_t h) const noexcept { return chunks_[h / SLOTS_PER_CHUNK].get() + (h % SLOTS_PER_CHUNK) * SLOT; }

    struct FreeChunk {
        void operator()(std::uint8_t* p) const noexcept;
    };
    std::vector<std::unique_ptr<std::uint8_t[], FreeChunk>> chunks_;
    std::vector<std::uint16_t> small_len_; // by slot
    std::vector<std::uint32_t> free_small_;
    std::vector<std::vector<std::uint8_t>> large_;
    std::vector<std::uint32_t> free_large_;
};

} // namespace mitokit::sim
