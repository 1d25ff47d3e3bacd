// ParentIds keeps short chains inline and long ones on the heap, with the same
// contents and order either way.
#include "mitokit/sim/parent_ids.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mitokit::sim {
namespace {

std::vector<ParentIds::Id> ids_of(const ParentIds& p) { return {p.begin(), p.end()}; }

TEST(ParentIds, BelowPutsTheParentFirstAtEveryDepth) {
    ParentIds chain; // the master's: empty
    std::vector<ParentIds::Id> expect;
    for (ParentIds::Id depth = 1; depth <= 3 * ParentIds::INLINE; ++depth) {
        const ParentIds::Id parent = depth == 1 ? 0 : depth * 10;
        chain = ParentIds::below(parent, chain);
        expect.insert(expect.begin(), parent);
        ASSERT_EQ(ids_of(chain), expect) << "depth " << depth;
        EXPECT_EQ(chain.heap_bytes() != 0, chain.size() > ParentIds::INLINE) << "depth " << depth;
        EXPECT_TRUE(chain.contains(parent));
        EXPECT_TRUE(chain.contains(0));
        EXPECT_FALSE(chain.contains(7));
    }
}

TEST(ParentIds, CopiesAndMovesKeepTheContents) {
    const ParentIds small{3, 1, 0};
    const ParentIds big{9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    for (const ParentIds* p : {&small, &big}) {
        ParentIds copy = *p;
        EXPECT_EQ(copy, *p);
        ParentIds moved = std::move(copy);
        EXPECT_EQ(moved, *p);
        ParentIds assigned{42};
        assigned = *p;
        EXPECT_EQ(ids_of(assigned), ids_of(*p));
        assigned.clear();
        EXPECT_TRUE(assigned.empty());
        EXPECT_EQ(assigned.heap_bytes(), 0u);
    }
    EXPECT_FALSE(small == big);
}

} // namespace
} // namespace mitokit::sim
