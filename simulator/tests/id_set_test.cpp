// IdSet holds what a std::set would under the same inserts, inline while small
// and paged once past it, with IDs in dense blocks and scattered alike.
#include "mitokit/sim/id_set.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

std::set<IdSet::Key> keys(const IdSet& s) {
    std::set<IdSet::Key> out;
    s.for_each([&](IdSet::Key k) { EXPECT_TRUE(out.insert(k).second) << "key " << k << " listed twice"; });
    return out;
}

void insert_and_check(IdSet& s, std::set<IdSet::Key>& ref, IdSet::Key k, int step) {
    s.prefetch(k);
    ASSERT_EQ(s.insert(k), ref.insert(k).second) << "step " << step << " key " << k;
    ASSERT_EQ(s.size(), ref.size()) << "step " << step;
    ASSERT_TRUE(s.contains(k)) << "step " << step;
}

TEST(IdSet, MatchesAStdSetOnDenseBlocksAndScatteredIds) {
    Rng rng(11);
    IdSet s;
    std::set<IdSet::Key> ref;
    for (int step = 0; step < 60000; ++step) {
        IdSet::Key k;
        switch (rng.below(4)) {
        case 0: k = static_cast<IdSet::Key>(rng.below(3000)); break;                 // a dense block
        case 1: k = static_cast<IdSet::Key>(1'000'000 + rng.below(20000)); break;   // another, far off
        case 2: k = static_cast<IdSet::Key>(rng.next()); break;                      // anywhere, 0xffffffff included
        default: k = 0xffffffffu - static_cast<IdSet::Key>(rng.below(600)); break;  // the top pages
        }
        insert_and_check(s, ref, k, step);
        const auto probe = static_cast<IdSet::Key>(rng.next());
        ASSERT_EQ(s.contains(probe), ref.count(probe) == 1) << "step " << step << " probe " << probe;
    }
    EXPECT_EQ(keys(s), ref);
    EXPECT_GT(s.heap_bytes(), 0u);
}

TEST(IdSet, KeepsFourIdsInlineAndPagesAtTheFifth) {
    IdSet s;
    EXPECT_TRUE(s.empty());
    EXPECT_FALSE(s.contains(0));
    std::set<IdSet::Key> ref;
    const std::vector<IdSet::Key> ids{0, 0xffffffffu, 7, 512, 513};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        insert_and_check(s, ref, ids[i], static_cast<int>(i));
        EXPECT_FALSE(s.insert(ids[i])) << "a second insert of " << ids[i] << " adds nothing";
        if (i < 4) {
            EXPECT_EQ(s.heap_bytes(), 0u) << "ID " << i + 1 << " of four is inline";
        }
    }
    EXPECT_GT(s.heap_bytes(), 0u);
    EXPECT_EQ(keys(s), ref);
    for (IdSet::Key absent : {1u, 511u, 514u, 0xfffffffeu, 1024u}) EXPECT_FALSE(s.contains(absent)) << absent;
}

TEST(IdSet, ASubtreeOfIdsTakesALineOfBitsPer512) {
    IdSet s;
    for (IdSet::Key k = 1000; k < 11000; ++k) ASSERT_TRUE(s.insert(k));
    EXPECT_EQ(s.size(), 10000u);
    // 10,000 consecutive IDs span 21 pages of 64 bytes; the vector may hold up to twice that.
    EXPECT_LE(s.heap_bytes(), 64u * 64 + 1024);
    IdSet moved = std::move(s);
    EXPECT_TRUE(moved.contains(1000));
    EXPECT_TRUE(moved.contains(10999));
    EXPECT_FALSE(moved.contains(11000));
    EXPECT_FALSE(moved.contains(999));
}

} // namespace
} // namespace mitokit::sim
