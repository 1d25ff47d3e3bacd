// IdList keeps IDs in order as a vector would, in one block with its size and
// capacity, and gives its memory back when cleared or taken.
#include "mitokit/sim/id_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

std::vector<IdList::Id> ids(const IdList& l) { return {l.begin(), l.end()}; }

TEST(IdList, MatchesAVectorUnderPushesAndErases) {
    Rng rng(5);
    IdList l;
    std::vector<IdList::Id> ref;
    for (int step = 0; step < 20000; ++step) {
        const auto id = static_cast<IdList::Id>(rng.below(50));
        if (rng.chance(3, 4)) {
            l.push_back(id);
            ref.push_back(id);
        } else {
            l.erase_value(id);
            ref.erase(std::remove(ref.begin(), ref.end(), id), ref.end());
        }
        ASSERT_EQ(l.size(), ref.size()) << "step " << step;
        ASSERT_EQ(ids(l), ref) << "step " << step;
    }
}

TEST(IdList, HoldsNothingUntilThePushAndNothingAfterTake) {
    IdList l;
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.heap_bytes(), 0u);
    EXPECT_EQ(l.begin(), l.end());
    l.erase_value(3); // nothing to erase, nothing made
    EXPECT_EQ(l.heap_bytes(), 0u);
    for (IdList::Id i = 1; i <= 5; ++i) l.push_back(i * 10);
    EXPECT_EQ(l.heap_bytes(), (2u + 8u) * sizeof(IdList::Id)) << "four, then doubled to eight";
    EXPECT_EQ(l.take(), (std::vector<IdList::Id>{10, 20, 30, 40, 50}));
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.heap_bytes(), 0u);
    l.push_back(7);
    l.clear();
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.heap_bytes(), 0u);
}

} // namespace
} // namespace mitokit::sim
