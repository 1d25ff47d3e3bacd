// SlotTable gives each value a slot until it is taken, and reuses freed slots
// last in first out.
#include "mitokit/sim/slot_table.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace mitokit::sim {
namespace {

TEST(SlotTable, TakeReturnsWhatWasPutAndFreesTheSlotForReuse) {
    SlotTable<std::string> t;
    const auto a = t.put("a"), b = t.put("b"), c = t.put("c");
    EXPECT_EQ(t.in_use(), 3u);
    EXPECT_EQ(t[b], "b");
    EXPECT_EQ(t.take(b), "b");
    EXPECT_EQ(t.take(a), "a");
    EXPECT_EQ(t.in_use(), 1u);
    EXPECT_EQ(t.put("d"), a) << "the slot freed last comes back first";
    EXPECT_EQ(t.put("e"), b);
    EXPECT_EQ(t.put("f"), 3u) << "then the table grows";
    EXPECT_EQ(t[c], "c");
    EXPECT_EQ(t[a], "d");
}

TEST(SlotTable, ATakenSlotHoldsNothingAndReleaseGivesTheMemoryBack) {
    SlotTable<std::shared_ptr<int>> t;
    auto p = std::make_shared<int>(7);
    const auto s = t.put(p);
    EXPECT_EQ(p.use_count(), 2);
    EXPECT_EQ(*t.take(s), 7);
    EXPECT_EQ(p.use_count(), 1) << "the slot no longer holds the value";
    EXPECT_EQ(t.in_use(), 0u);
    t.release();
    EXPECT_EQ(t.capacity(), 0u);
}

} // namespace
} // namespace mitokit::sim
