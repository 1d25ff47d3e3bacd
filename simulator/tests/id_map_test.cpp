// IdMap against std::map under random operations: backward-shift deletion,
// growth and the moves between hashing and pages must never lose or invent an
// entry, whatever the probe runs or the key set look like.
#include "mitokit/sim/id_map.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

void expect_same(const IdMap& m, const std::map<std::uint32_t, std::uint32_t>& ref) {
    ASSERT_EQ(m.size(), ref.size());
    std::map<std::uint32_t, std::uint32_t> seen;
    std::vector<std::uint32_t> order;
    m.for_each([&](std::uint32_t k, std::uint32_t v) {
        EXPECT_TRUE(seen.emplace(k, v).second) << "key twice: " << k;
        order.push_back(k);
    });
    EXPECT_EQ(seen, ref);
    if (m.paged()) {
        EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << "a paged table walks by key";
    }
    std::map<std::uint32_t, std::uint32_t> any;
    m.for_each_any_order(
        [&](std::uint32_t k, std::uint32_t v) { EXPECT_TRUE(any.emplace(k, v).second) << "key twice: " << k; });
    EXPECT_EQ(any, ref);
}

// Keys below key_range, plus, one step in far_one, a key anywhere (which sends
// a paged table back to hashing). Each step sets, erases or finds a key; with
// phases, every 50,000 steps swap growing (two sets to one erase) and shrinking
// (erases only).
struct Walk {
    int paged_steps = 0; // steps that ended with the table paged
    int unpaged = 0;     // steps that took it from pages back to a hash
};
Walk random_ops(std::uint64_t key_range, std::uint32_t far_one = 0, bool phases = false, int steps = 200000,
                std::uint32_t key_base = 0) {
    Rng rng(11);
    IdMap m;
    std::map<std::uint32_t, std::uint32_t> ref;
    Walk w;
    for (int step = 0; step < steps && !::testing::Test::HasFailure(); ++step) {
        // Keys from a small range (long probe runs and many collisions), the sentinel
        // value 0xffffffff among them.
        std::uint32_t k =
            rng.chance(1, 50) ? 0xffffffffu : key_base + static_cast<std::uint32_t>(rng.below(key_range));
        if (far_one && rng.chance(1, far_one)) k = static_cast<std::uint32_t>(rng.next());
        const bool was_paged = m.paged();
        const bool shrinking = phases && (step / 50000) % 2 == 1;
        const std::uint64_t op = rng.below(4); // 0, 1: set; 2: erase; 3: find
        if (op == 3) {
            const auto it = ref.find(k);
            const auto got = m.get(k);
            EXPECT_EQ(got.has_value(), it != ref.end()) << "find " << k << " at step " << step;
            if (got && it != ref.end()) {
                EXPECT_EQ(*got, it->second) << "find " << k << " at step " << step;
            }
        } else if (op < 2 && !shrinking) {
            const auto v = static_cast<std::uint32_t>(rng.next());
            if (op == 0) {
                m.set(k, v);
            } else {
                const auto it = ref.find(k);
                const auto old = m.exchange(k, v);
                EXPECT_EQ(old.has_value(), it != ref.end()) << "exchange " << k << " at step " << step;
                if (old && it != ref.end()) {
                    EXPECT_EQ(*old, it->second) << "exchange " << k << " at step " << step;
                }
            }
            ref[k] = v;
        } else {
            EXPECT_EQ(m.erase(k), ref.erase(k) == 1) << "erase " << k << " at step " << step;
        }
        if (step % 1000 == 0 || key_range < 10) expect_same(m, ref);
        if (m.paged()) {
            ++w.paged_steps;
        } else if (w.paged_steps && was_paged) {
            ++w.unpaged;
        }
    }
    expect_same(m, ref);
    return w;
}

TEST(IdMap, MatchesAnOrderedMapUnderRandomInsertsAndErases) { random_ops(300); }

// Mostly zero, one or two entries: the inline entry, and the moves between it
// and a table, on every step.
TEST(IdMap, MatchesAnOrderedMapAroundItsInlineEntry) { random_ops(3); }

TEST(IdMap, HoldsNoMemoryEmptyAndGivesItBackWhenEmptied) {
    IdMap m;
    EXPECT_EQ(m.heap_bytes(), 0u);
    m.set(7, 1);
    EXPECT_EQ(m.heap_bytes(), 0u); // one entry: kept inline
    EXPECT_EQ(m.get(7), std::optional<std::uint32_t>(1));
    m.set(8, 2);
    EXPECT_EQ(m.heap_bytes(), 32u); // two: a table of four 8-byte slots
    EXPECT_EQ(m.get(7), std::optional<std::uint32_t>(1));
    EXPECT_TRUE(m.erase(7));
    EXPECT_TRUE(m.erase(8));
    EXPECT_EQ(m.heap_bytes(), 0u);
    for (std::uint32_t k = 0; k < 100; ++k) m.set(k * 9973, k); // scattered: hashed
    EXPECT_FALSE(m.paged());
    EXPECT_EQ(m.size(), 100u);
    EXPECT_GE(m.heap_bytes() / 8 * 3, m.size() * 4); // at most 3/4 full
    for (std::uint32_t k = 0; k < 100; ++k) EXPECT_TRUE(m.erase(k * 9973));
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.heap_bytes(), 0u);
    EXPECT_FALSE(m.erase(5));
    EXPECT_FALSE(m.contains(5));
}

// Dense keys (a master's routes) make a big table paged; far keys get pages of
// their own until there are so many that the pages are nearly empty, and so do
// erases, and then it hashes again; the entries survive each move.
TEST(IdMap, MatchesAnOrderedMapThroughPagingAndBack) {
    // Dense enough to page most of the time.
    EXPECT_GT(random_ops(3000, 0, false, 300000).paged_steps, 200000);
    // A few far keys: a page each, still paged.
    EXPECT_GT(random_ops(3000, 20000, false, 300000).paged_steps, 200000);
    // Many: the pages fill too little and it hashes again.
    const Walk far = random_ops(3000, 100, false, 300000);
    EXPECT_GT(far.paged_steps, 0);
    EXPECT_GT(far.unpaged, 0);
    // Growing and shrinking: in and out of pages.
    const Walk phased = random_ops(3000, 0, true, 300000);
    EXPECT_GT(phased.paged_steps, 0);
    EXPECT_GT(phased.unpaged, 0);
    // Scattered keys never page.
    EXPECT_EQ(random_ops(1u << 30, 0, false, 20000).paged_steps, 0);
    // Dense keys far from 0.
    const Walk high = random_ops(3000, 0, true, 300000, 40'000'000);
    EXPECT_GT(high.paged_steps, 100000);
    EXPECT_GT(high.unpaged, 0);
}

TEST(IdMap, ADenseRunOfAMillionIdsIsPagedInLessMemoryThanAHashAndHashedAgainWhenSparse) {
    IdMap m;
    constexpr std::uint32_t N = 1'000'000;
    for (std::uint32_t k = 1; k <= N; ++k) m.set(k, k * 3);
    ASSERT_TRUE(m.paged());
    EXPECT_EQ(m.size(), N);
    EXPECT_LT(m.heap_bytes(), std::size_t{N} * 5); // a hash at 3/4 full would need over 10.6 bytes per key
    EXPECT_EQ(m.get(N), std::optional<std::uint32_t>(N * 3));
    EXPECT_FALSE(m.contains(N + 1));
    EXPECT_FALSE(m.contains(0));
    std::uint32_t last = 0, seen = 0;
    m.for_each([&](std::uint32_t k, std::uint32_t v) {
        EXPECT_GT(k, last); // by key when paged
        EXPECT_EQ(v, k * 3);
        last = k;
        ++seen;
    });
    EXPECT_EQ(seen, N);
    // Leave one key in 32: pages under a sixteenth full go back to a hash.
    for (std::uint32_t k = 1; k <= N; ++k)
        if (k % 32) {
            ASSERT_TRUE(m.erase(k));
        }
    EXPECT_FALSE(m.paged());
    EXPECT_EQ(m.size(), N / 32);
    EXPECT_EQ(m.get(64), std::optional<std::uint32_t>(192));
    EXPECT_FALSE(m.contains(65));
}

// A parent's routes to its hundred children: consecutive IDs from a block far
// from 0. They page, in less memory than a hash, and so do keys below them and
// a key far from all of them (a parent's own parent).
TEST(IdMap, AHundredConsecutiveIdsFarFromZeroArePagedAndKeysElsewhereGetPagesOfTheirOwn) {
    IdMap m;
    constexpr std::uint32_t FIRST = 7'654'321;
    for (std::uint32_t k = FIRST; k < FIRST + 100; ++k) m.set(k, k - FIRST);
    ASSERT_TRUE(m.paged());
    EXPECT_LT(m.heap_bytes(), 256u * 8 / 2); // a hash of 100 keys takes 256 slots of 8 bytes
    for (std::uint32_t k = FIRST; k < FIRST + 100; ++k) ASSERT_EQ(m.get(k), std::optional<std::uint32_t>(k - FIRST));
    EXPECT_FALSE(m.contains(FIRST - 1));
    EXPECT_FALSE(m.contains(FIRST + 100));
    EXPECT_FALSE(m.contains(0));
    EXPECT_FALSE(m.contains(FIRST % 64)); // the same offset in page 0
    // Keys below the first page, in descending order.
    for (std::uint32_t k = FIRST - 1; k >= FIRST - 1000; --k) m.set(k, 5);
    ASSERT_TRUE(m.paged());
    EXPECT_EQ(m.size(), 1100u);
    EXPECT_EQ(m.get(FIRST - 1000), std::optional<std::uint32_t>(5));
    EXPECT_EQ(m.get(FIRST + 99), std::optional<std::uint32_t>(99));
    EXPECT_FALSE(m.contains(FIRST - 1001));
    std::uint32_t last = 0, seen = 0;
    m.for_each([&](std::uint32_t k, std::uint32_t) {
        EXPECT_GT(k, last);
        EXPECT_GE(k, FIRST - 1000);
        last = k;
        ++seen;
    });
    EXPECT_EQ(seen, 1100u);
    // A key far below: a page of its own.
    const std::size_t bytes = m.heap_bytes();
    m.set(3, 3);
    EXPECT_TRUE(m.paged());
    EXPECT_EQ(m.size(), 1101u);
    EXPECT_EQ(m.get(FIRST - 1000), std::optional<std::uint32_t>(5));
    EXPECT_EQ(m.get(3), std::optional<std::uint32_t>(3));
    EXPECT_FALSE(m.contains(4));
    EXPECT_LT(m.heap_bytes() - bytes, 1024u);
    // 400 keys in pages of their own, 1,101 in 19 pages: under a sixteenth full,
    // so hashed again, nothing lost.
    for (std::uint32_t j = 1; j <= 400; ++j) m.set(j * 1000 * 64, j);
    EXPECT_FALSE(m.paged());
    EXPECT_EQ(m.size(), 1501u);
    EXPECT_EQ(m.get(FIRST + 99), std::optional<std::uint32_t>(99));
    EXPECT_EQ(m.get(3), std::optional<std::uint32_t>(3));
    EXPECT_EQ(m.get(400 * 1000 * 64), std::optional<std::uint32_t>(400));
}

TEST(IdMap, TheHighestKeysGetAPageToo) {
    IdMap m;
    for (std::uint32_t k = 0; k < 5000; ++k) m.set(k, k);
    ASSERT_TRUE(m.paged());
    m.set(0xfffffff0u, 9);  // the last page
    m.set(0xfffffffeu, 10); // the key before the sentinel, in the same page
    EXPECT_TRUE(m.paged());
    EXPECT_EQ(m.get(0xfffffff0u), std::optional<std::uint32_t>(9));
    EXPECT_EQ(m.get(0xfffffffeu), std::optional<std::uint32_t>(10));
    EXPECT_FALSE(m.contains(0xffffffffu));
    EXPECT_EQ(m.get(4999), std::optional<std::uint32_t>(4999));
    EXPECT_EQ(m.size(), 5002u);
    EXPECT_TRUE(m.erase(0xfffffff0u));
    EXPECT_FALSE(m.contains(0xfffffff0u));
    EXPECT_EQ(m.size(), 5001u);
}

// The key whose insertion turns a full, dense table into pages may itself lie
// far beyond them: it must land in the table all the same.
TEST(IdMap, AFarKeyThatFillsADenseTableIsKept) {
    IdMap m;
    std::uint32_t k = 0;
    while (!m.paged()) {
        IdMap probe; // the same keys plus a near one: where paging starts
        for (std::uint32_t j = 0; j <= k; ++j) probe.set(j, j);
        if (probe.paged()) break;
        m.set(k, k);
        ++k;
    }
    ASSERT_FALSE(m.paged());
    m.set(0xfffffff0u, 7); // the insertion that pages a dense table
    EXPECT_EQ(m.get(0xfffffff0u), std::optional<std::uint32_t>(7));
    EXPECT_EQ(m.size(), std::size_t{k} + 1);
    for (std::uint32_t j = 0; j < k; ++j) ASSERT_EQ(m.get(j), std::optional<std::uint32_t>(j)) << j;
}

TEST(IdMap, InsertKeepsAnExistingValue) {
    IdMap m;
    EXPECT_TRUE(m.insert(3, 30));
    EXPECT_FALSE(m.insert(3, 31));
    EXPECT_EQ(m.get(3), std::optional<std::uint32_t>(30));
    EXPECT_TRUE(m.insert(0xffffffffu));
    EXPECT_FALSE(m.insert(0xffffffffu));
    EXPECT_EQ(m.size(), 2u);
}

} // namespace
} // namespace mitokit::sim
