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

TEST(NodeScratch, AReplyHandlerTableComesBackEmptyAndABurstsTableIsNotKeptAtItsSize) {
    NodeScratch s;
    auto t = s.take_handlers();
    t->slots.push_back(ReplyHandler{7, false, [](Node&, const Message&) {}});
    t->index.set(1000, 0);
    t->index.erase(1000); // a table goes back once its last reply has come
    t->free.push_back(0);
    const ReplyHandlers* before = t.get();
    s.give_handlers(std::move(t));
    auto again = s.take_handlers();
    EXPECT_EQ(again.get(), before);
    EXPECT_TRUE(again->slots.empty());
    EXPECT_TRUE(again->free.empty());
    EXPECT_EQ(again->size(), 0u);
    for (std::uint32_t h = 0; h < 100; ++h) {
        again->slots.push_back(ReplyHandler{});
        again->index.set(1000 + h, h);
    }
    for (std::uint32_t h = 0; h < 100; ++h) again->index.erase(1000 + h);
    s.give_handlers(std::move(again));
    auto third = s.take_handlers();
    EXPECT_EQ(third->slots.capacity(), 0u); // the burst's slab went back to the heap
    EXPECT_EQ(third->index.heap_bytes(), 0u);
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

TEST(NodeScratch, ARunningCallComesBackWithItsParsedPayloadAndAPayloadGivenApartToo) {
    NodeScratch s;
    auto c = s.take_call();
    c->parsed = s.take_parsed();
    c->parsed->unpacked = 7;
    const ParsedCall* parsed = c->parsed.get();
    s.give_call(std::move(c)); // answered at once: both go back together
    EXPECT_EQ(s.pooled(), 1u);
    auto again = s.take_call();
    EXPECT_EQ(again->parsed.get(), parsed); // the payload's storage is reused with the call
    // An answer that comes later: the payload went back apart when the native started.
    s.give_parsed(std::move(again->parsed));
    s.give_call(std::move(again));
    EXPECT_EQ(s.pooled(), 2u);
    auto third = s.take_call();
    EXPECT_EQ(third->parsed, nullptr);
    EXPECT_EQ(s.take_parsed().get(), parsed);
}

} // namespace
} // namespace mitokit::sim
