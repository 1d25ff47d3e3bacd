// Memory for the simulator's biggest arrays (at a million contexts: the Nodes,
// the parents' streams to their children, the links). A block of at least
// HUGE_PAGE_BYTES is mapped on its own, aligned to a huge page and advised for
// transparent huge pages: Debian's default THP mode ("madvise") gives them only
// to memory that asks. Building a million contexts otherwise faults in 4 KiB
// pages one by one, a tenth of the build's CPU time (docs/performance.md,
// twenty-first session). Smaller blocks come from operator new as before, so a
// small simulation keeps small pages. Where the kernel has no huge pages to give,
// the mapping works with small ones: the advice is only advice.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <new>

namespace mitokit::sim {

inline constexpr std::size_t HUGE_PAGE_BYTES = std::size_t{2} << 20;

// Under AddressSanitizer every block stays on the heap: there its redzones catch
// an overrun, and LeakSanitizer sees the pointers the objects in it hold.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool MAP_HUGE_BLOCKS = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool MAP_HUGE_BLOCKS = false;
#else
inline constexpr bool MAP_HUGE_BLOCKS = true;
#endif
#else
inline constexpr bool MAP_HUGE_BLOCKS = true;
#endif

// `bytes` (at least HUGE_PAGE_BYTES) of zeroed memory aligned to HUGE_PAGE_BYTES;
// std::bad_alloc when the system has no room. Give it back with unmap_huge and
// the same size.
void* map_huge(std::size_t bytes);
void unmap_huge(void* p, std::size_t bytes) noexcept;

// How many T to ask HugeAllocator for when `n` are needed: n, or when that many
// are mapped (HUGE_PAGE_BYTES or more), as many as fill their last huge page,
// which small pages would otherwise back. For pools that carve blocks out of
// one allocation and can use the extra.
template <class T>
constexpr std::size_t huge_fill(std::size_t n) noexcept {
    if (!MAP_HUGE_BLOCKS || n > std::numeric_limits<std::size_t>::max() / sizeof(T) - HUGE_PAGE_BYTES)
        return n; // not mapped, or allocate() refuses it
    const std::size_t bytes = n * sizeof(T);
    if (bytes < HUGE_PAGE_BYTES) return n;
    return (bytes + HUGE_PAGE_BYTES - 1) / HUGE_PAGE_BYTES * HUGE_PAGE_BYTES / sizeof(T);
}

// A stateless allocator: blocks of HUGE_PAGE_BYTES and more are map_huge's, the
// rest std::allocator's (the size picks, on the way back too; MAP_HUGE_BLOCKS
// false: all of them).
template <class T>
struct HugeAllocator {
    using value_type = T;
    static_assert(alignof(T) <= HUGE_PAGE_BYTES);

    HugeAllocator() = default;
    template <class U>
    HugeAllocator(const HugeAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
        if (!MAP_HUGE_BLOCKS || n * sizeof(T) < HUGE_PAGE_BYTES) return std::allocator<T>().allocate(n);
        return static_cast<T*>(map_huge(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (!MAP_HUGE_BLOCKS || n * sizeof(T) < HUGE_PAGE_BYTES) std::allocator<T>().deallocate(p, n);
        else unmap_huge(p, n * sizeof(T));
    }
    template <class U>
    friend bool operator==(const HugeAllocator&, const HugeAllocator<U>&) noexcept {
        return true;
    }
};

} // namespace mitokit::sim
