// NodeScratch hands pooled objects back out in a state a fresh one would have,
// keeps no more than it was told to, and gives its peak back when trimmed.
#include "mitokit/sim/node_scratch.hpp"

#include <gtest/gtest.h>

namespace mitokit::sim {
namespace {

TEST(NodeScratch, AQueueComesBackEmptyAndIsReused) {
    NodeScratch s;
    auto q = s.take_queue();
    q->q.push_back(Message{Header{}, {1, 2, 3}});
    q->q.push_back(Message{Header{}, {4}});
    q->head = 1;
    const CallQueue* before = q.get();
    s.give_queue(std::move(q));
    auto again = s.take_queue();
    EXPECT_EQ(again.get(), before); // reused, not reallocated
    EXPECT_TRUE(again->q.empty());
    EXPECT_EQ(again->head, 0u);
}

TEST(NodeScratch, KeepsAtMostItsLimitAndTrimsToWhatItIsTold) {
    NodeScratch s(3);
    std::vector<std::unique_ptr<RunningCall>> calls;
    std::vector<std::unique_ptr<CallQueue>> queues;
    for (int i = 0; i < 5; ++i) {
        calls.push_back(s.take_call());
        queues.push_back(s.take_queue());
    }
    for (auto& c : calls) s.give_call(std::move(c));
    for (auto& q : queues) s.give_queue(std::move(q));
    EXPECT_EQ(s.pooled(), 6u); // three of each kind
    s.trim(1);
    EXPECT_EQ(s.pooled(), 2u);
    s.give_call(nullptr); // nothing to keep
    EXPECT_EQ(s.pooled(), 2u);
}

} // namespace
} // namespace mitokit::sim
