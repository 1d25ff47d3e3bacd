// IdMap against std::map under random operations: backward-shift deletion and
// growth must never lose or invent an entry, whatever the probe runs look like.
#include "mitokit/sim/id_map.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

void expect_same(const IdMap& m, const std::map<std::uint32_t, std::uint32_t>& ref) {
    ASSERT_EQ(m.size(), ref.size());
    std::map<std::uint32_t, std::uint32_t> seen;
    m.for_each([&](std::uint32_t k, std::uint32_t v) { EXPECT_TRUE(seen.emplace(k, v).second) << "key twice: " << k; });
    EXPECT_EQ(seen, ref);
}

void random_ops(std::uint64_t key_range) {
    Rng rng(11);
    IdMap m;
    std::map<std::uint32_t, std::uint32_t> ref;
    for (int step = 0; step < 200000; ++step) {
        // Keys from a small range (long probe runs and many collisions), the sentinel
        // value 0xffffffff among them.
        const std::uint32_t k = rng.chance(1, 50) ? 0xffffffffu : static_cast<std::uint32_t>(rng.below(key_range));
        switch (rng.below(4)) {
        case 0:
        case 1: {
            const auto v = static_cast<std::uint32_t>(rng.next());
            m.set(k, v);
            ref[k] = v;
            break;
        }
        case 2: EXPECT_EQ(m.erase(k), ref.erase(k) == 1) << "erase " << k << " at step " << step; break;
        default: {
            const auto it = ref.find(k);
            const auto got = m.get(k);
            ASSERT_EQ(got.has_value(), it != ref.end()) << "find " << k << " at step " << step;
            if (got) {
                ASSERT_EQ(*got, it->second);
            }
        }
        }
        if (step % 1000 == 0 || key_range < 10) expect_same(m, ref);
    }
    expect_same(m, ref);
}

TEST(IdMap, MatchesAnOrderedMapUnderRandomInsertsAndErases) { random_ops(300); }

// Mostly zero, one or two entries: the inline entry, and the moves between it
// and a table, on every step.
TEST(IdMap, MatchesAnOrderedMapAroundItsInlineEntry) { random_ops(3); }

TEST(IdMap, HoldsNoMemoryEmptyAndGivesItBackWhenEmptied) {
    IdMap m;
    EXPECT_EQ(m.capacity(), 0u);
    m.set(7, 1);
    EXPECT_EQ(m.capacity(), 0u); // one entry: kept inline
    EXPECT_EQ(m.get(7), std::optional<std::uint32_t>(1));
    m.set(8, 2);
    EXPECT_EQ(m.capacity(), 4u); // two: a table of four slots, 32 bytes
    EXPECT_EQ(m.get(7), std::optional<std::uint32_t>(1));
    EXPECT_TRUE(m.erase(7));
    EXPECT_TRUE(m.erase(8));
    EXPECT_EQ(m.capacity(), 0u);
    for (std::uint32_t k = 0; k < 100; ++k) m.set(k, k);
    EXPECT_EQ(m.size(), 100u);
    EXPECT_GE(m.capacity() * 3, m.size() * 4); // at most 3/4 full
    for (std::uint32_t k = 0; k < 100; ++k) EXPECT_TRUE(m.erase(k));
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.capacity(), 0u);
    EXPECT_FALSE(m.erase(5));
    EXPECT_FALSE(m.contains(5));
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
