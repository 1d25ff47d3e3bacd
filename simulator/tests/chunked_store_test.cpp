// ChunkedStore: objects stay where they were made while the store grows across
// chunks, indices find them, and each is destroyed once, newest first.
#include "mitokit/sim/chunked_store.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mitokit::sim {
namespace {

struct Tracked {
    Tracked(int v, std::vector<int>& log) : value(v), destroyed(log) {}
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
    ~Tracked() { destroyed.push_back(value); }
    int value;
    std::vector<int>& destroyed;
};

TEST(ChunkedStore, ObjectsNeverMoveAndDieOnceNewestFirst) {
    std::vector<int> destroyed;
    {
        ChunkedStore<Tracked, 3> store; // chunks of 8: 100 objects span 13 of them
        std::vector<const Tracked*> where;
        for (int i = 0; i < 100; ++i) {
            Tracked& t = store.emplace_back(i, destroyed);
            EXPECT_EQ(&t, &store.back());
            where.push_back(&t);
            for (int j = 0; j <= i; j += 7) ASSERT_EQ(&store[static_cast<std::size_t>(j)], where[static_cast<std::size_t>(j)]);
        }
        EXPECT_EQ(store.size(), 100u);
        EXPECT_EQ(store.front().value, 0);
        int sum = 0, count = 0;
        store.for_each([&](const Tracked& t) {
            EXPECT_EQ(t.value, count++);
            sum += t.value;
        });
        EXPECT_EQ(sum, 4950);
        EXPECT_TRUE(destroyed.empty());
    }
    ASSERT_EQ(destroyed.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(destroyed[static_cast<std::size_t>(i)], 99 - i);
}

TEST(ChunkedStore, AllocationsDoubleUpToTheirCap) {
    ChunkedStore<int, 2> store; // chunks of 4, carved from 1, 2, 4 ... chunks at a time
    const auto fill_to = [&](std::size_t n) {
        while (store.size() < n) store.emplace_back(static_cast<int>(store.size()));
    };
    fill_to(4 * (1 + 2 + 4));
    EXPECT_EQ(store.allocations(), 3u);
    fill_to(4 * (1 + 2 + 4) + 1);
    EXPECT_EQ(store.allocations(), 4u) << "the fourth allocation holds 8 chunks";
    // 1 + 2 + ... + 256 chunks, then allocations of the cap, 256 chunks each.
    constexpr std::size_t cap = decltype(store)::MAX_ALLOC_CHUNKS;
    fill_to(4 * (2 * cap - 1 + 2 * cap));
    EXPECT_EQ(store.allocations(), 11u);
    fill_to(store.size() + 1);
    EXPECT_EQ(store.allocations(), 12u);
    for (std::size_t i = 0; i < store.size(); i += 97) ASSERT_EQ(store[i], static_cast<int>(i));
}

} // namespace
} // namespace mitokit::sim
