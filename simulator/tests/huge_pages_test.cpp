// map_huge gives aligned, zeroed, writable memory advised for huge pages, and
// HugeAllocator sends only blocks of a huge page or more there.
#include "mitokit/sim/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mitokit::sim {
namespace {

bool huge_aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % HUGE_PAGE_BYTES == 0; }

// The VmFlags line of the mapping that holds `p` in /proc/self/smaps ("" if none).
std::string vm_flags_of(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long long lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
            inside = lo <= addr && addr < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line;
    }
    return "";
}

bool thp_available() {
    std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string text;
    return std::getline(mode, text) && text.find("[never]") == std::string::npos;
}

TEST(HugePages, MappedBlocksAreAlignedZeroedAndWritable) {
    const std::size_t bytes = 3 * HUGE_PAGE_BYTES / 2 + 5; // not a whole number of pages
    auto* p = static_cast<unsigned char*>(map_huge(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(huge_aligned(p));
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[bytes - 1], 0);
    std::memset(p, 0xab, bytes);
    EXPECT_EQ(p[bytes / 2], 0xab);
    if (thp_available()) {
        EXPECT_NE(vm_flags_of(p).find(" hg"), std::string::npos) << vm_flags_of(p);
    }
    unmap_huge(p, bytes);
    unmap_huge(nullptr, bytes); // nothing to give back
}

TEST(HugePages, AMappedPoolFillsItsLastHugePage) {
    if (!MAP_HUGE_BLOCKS) GTEST_SKIP() << "built with AddressSanitizer: no block is mapped";
    struct Obj {
        char bytes[344];
    };
    EXPECT_EQ(huge_fill<Obj>(100), 100u) << "34 KB: not mapped, nothing to fill";
    const std::size_t n = HUGE_PAGE_BYTES / sizeof(Obj) + 10; // just past one huge page
    const std::size_t filled = huge_fill<Obj>(n);
    EXPECT_GE(filled, n);
    EXPECT_LE(filled * sizeof(Obj), 2 * HUGE_PAGE_BYTES);
    EXPECT_GT((filled + 1) * sizeof(Obj), 2 * HUGE_PAGE_BYTES) << "room for one more was left unused";
    EXPECT_EQ(huge_fill<char>(HUGE_PAGE_BYTES), HUGE_PAGE_BYTES);
    EXPECT_EQ(huge_fill<char>(SIZE_MAX - 1), SIZE_MAX - 1) << "left for allocate() to refuse";
}

TEST(HugePages, AnImpossibleSizeIsBadAlloc) {
    EXPECT_THROW(map_huge(SIZE_MAX - 10), std::bad_alloc);
    EXPECT_THROW(HugeAllocator<std::uint64_t>().allocate(SIZE_MAX / 4), std::bad_array_new_length);
}

TEST(HugePages, TheAllocatorMapsOnlyBlocksOfAHugePageOrMore) {
    if (!MAP_HUGE_BLOCKS) GTEST_SKIP() << "built with AddressSanitizer: no block is mapped";
    std::vector<std::uint32_t, HugeAllocator<std::uint32_t>> v;
    v.reserve(HUGE_PAGE_BYTES / sizeof(std::uint32_t) / 4); // half a MiB: from operator new
    v.push_back(7);
    const bool small_mapped = huge_aligned(v.data()) && vm_flags_of(v.data()).find(" hg") != std::string::npos;
    EXPECT_FALSE(small_mapped) << "a small block was mapped for huge pages";
    v.resize(HUGE_PAGE_BYTES / sizeof(std::uint32_t) + 1); // past a huge page: mapped
    EXPECT_TRUE(huge_aligned(v.data()));
    EXPECT_EQ(v[0], 7u);
    EXPECT_EQ(v.back(), 0u);
    if (thp_available()) {
        EXPECT_NE(vm_flags_of(v.data()).find(" hg"), std::string::npos);
    }
}

} // namespace
} // namespace mitokit::sim
