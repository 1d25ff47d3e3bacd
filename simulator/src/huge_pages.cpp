#include "mitokit/sim/huge_pages.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace mitokit::sim {
namespace {

std::size_t page_rounded(std::size_t bytes) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (bytes + page - 1) / page * page;
}

} // namespace

void* map_huge(std::size_t bytes) {
    const std::size_t len = page_rounded(bytes);
    if (len < bytes || len > SIZE_MAX - HUGE_PAGE_BYTES) throw std::bad_alloc();
    // mmap aligns to a small page only: map a huge page more than asked, then
    // hand back the unaligned head and whatever is left past the end.
    void* raw = mmap(nullptr, len + HUGE_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + HUGE_PAGE_BYTES - 1) & ~std::uintptr_t{HUGE_PAGE_BYTES - 1};
    if (aligned > start) munmap(raw, aligned - start);
    const std::uintptr_t end = start + len + HUGE_PAGE_BYTES;
    if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - (aligned + len));
    // Advice: refused (no THP in this kernel) the block still works, in small pages.
    (void)madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
}

void unmap_huge(void* p, std::size_t bytes) noexcept {
    if (p) munmap(p, page_rounded(bytes));
}

} // namespace mitokit::sim
