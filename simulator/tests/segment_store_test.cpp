// SegmentStore against a map of expected contents under random make/release:
// no segment's bytes may change while it is in flight, whatever is made, reused
// or released around it, small or large.
#include "mitokit/sim/segment_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

TEST(SegmentStore, BytesStayPutWhateverIsMadeOrReleasedAroundThem) {
    Rng rng(5);
    SegmentStore store;
    std::map<std::uint32_t, std::vector<std::uint8_t>> live;
    std::vector<std::uint32_t> order;
    for (int step = 0; step < 100000; ++step) {
        if (live.empty() || rng.chance(11, 20)) {
            // Mostly small (slots), sometimes exactly SLOT or one more, sometimes large.
            std::size_t len = rng.below(SegmentStore::SLOT) + 1;
            if (rng.chance(1, 10)) len = SegmentStore::SLOT + rng.below(2);
            if (rng.chance(1, 20)) len = rng.below(5000) + 1;
            const std::uint32_t h = store.make(len);
            ASSERT_NE(h, SegmentStore::NONE);
            ASSERT_FALSE(live.contains(h)) << "handle " << h << " given out twice";
            std::vector<std::uint8_t> want(len);
            for (auto& b : want) b = static_cast<std::uint8_t>(rng.next());
            std::copy(want.begin(), want.end(), store.data(h));
            live.emplace(h, std::move(want));
            order.push_back(h);
        } else {
            const std::size_t i = rng.below(order.size());
            const std::uint32_t h = order[i];
            order[i] = order.back();
            order.pop_back();
            const auto got = store.bytes(h);
            ASSERT_EQ(std::vector<std::uint8_t>(got.begin(), got.end()), live.at(h)) << "segment " << h;
            store.release(h);
            live.erase(h);
        }
        ASSERT_EQ(store.in_use(), live.size());
    }
    for (const auto& [h, want] : live) {
        const auto got = store.bytes(h);
        EXPECT_EQ(std::vector<std::uint8_t>(got.begin(), got.end()), want) << "segment " << h;
        store.release(h);
    }
    EXPECT_EQ(store.in_use(), 0u);
    store.trim();
    // After a trim it starts again from nothing.
    const std::uint32_t h = store.make(3);
    EXPECT_EQ(h, 0u);
    EXPECT_EQ(store.size(h), 3u);
}

TEST(SegmentStore, TrimKeepsEverythingWhileSegmentsAreInFlight) {
    SegmentStore store;
    const std::uint32_t a = store.make(10);
    store.data(a)[0] = 42;
    const std::uint32_t b = store.make(1000);
    store.data(b)[999] = 7;
    store.release(b);
    store.trim(); // one still in flight: nothing given back
    EXPECT_EQ(store.data(a)[0], 42);
    EXPECT_EQ(store.size(a), 10u);
}

} // namespace
} // namespace mitokit::sim
