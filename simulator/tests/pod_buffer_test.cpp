// PodBuffer keeps its values in order through growth, insertion, swaps and moves.
#include "mitokit/sim/pod_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace mitokit::sim {
namespace {

struct Pair {
    std::uint64_t a;
    std::uint32_t b;
};

TEST(PodBuffer, GrowthKeepsEveryValueInOrder) {
    PodBuffer<Pair> v;
    for (std::uint32_t i = 0; i < 1000; ++i) v.push_back(Pair{i * 3ull, i});
    ASSERT_EQ(v.size(), 1000u);
    EXPECT_GE(v.capacity(), 1000u);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        ASSERT_EQ(v[i].a, i * 3ull);
        ASSERT_EQ(v[i].b, i);
    }
    v.clear();
    EXPECT_TRUE(v.empty());
    EXPECT_GE(v.capacity(), 1000u) << "clear keeps the storage";
}

TEST(PodBuffer, InsertMovesLaterValuesUpOne) {
    PodBuffer<int> v;
    for (int x : {1, 2, 4, 5}) v.push_back(x); // capacity 4: the insert grows it
    v.insert(2, 3);
    v.insert(0, 0);
    v.insert(v.size(), 6);
    ASSERT_EQ(v.size(), 7u);
    for (int i = 0; i < 7; ++i) EXPECT_EQ(v[static_cast<std::size_t>(i)], i);
}

TEST(PodBuffer, SwapAndMoveHandOverTheValuesAndLeaveTheSourceEmpty) {
    PodBuffer<int> a, b;
    a.push_back(7);
    a.push_back(8);
    b.push_back(9);
    a.swap(b);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0], 9);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[1], 8);
    PodBuffer<int> c(std::move(b));
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.capacity(), 0u);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0], 7);
    b.push_back(1); // a moved-from buffer is usable again
    EXPECT_EQ(b[0], 1);
    a = std::move(c);
    EXPECT_EQ(c.size(), 0u);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[1], 8);
    a.resize_for_overwrite(5);
    EXPECT_EQ(a.size(), 5u);
    EXPECT_EQ(a[1], 8) << "growing keeps what was there";
}

} // namespace
} // namespace mitokit::sim
