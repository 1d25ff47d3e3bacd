// The scheduler's order is the simulation's determinism: (time, scheduling order),
// whatever the queue's internals (a calendar ring of time slots, a heap beyond it).
#include <optional>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <tuple>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {

struct Recorder final : Scheduler::Sink {
    std::vector<std::tuple<Time, std::uint32_t, std::uint32_t>> got;
    Scheduler* s = nullptr;
    void on_event(std::uint32_t a, std::uint32_t b) override { got.emplace_back(s->now(), a, b); }
};

TEST(Scheduler, ACancelledTaskNeitherRunsNorMovesTheClock) {
    Scheduler s;
    std::vector<int> ran;
    s.at(1 * MS, [&] { ran.push_back(1); });
    const auto late = s.at(5 * SEC, [&] { ran.push_back(2); });
    s.at(2 * MS, [&] { ran.push_back(3); });
    s.cancel(late);
    EXPECT_EQ(s.run(), 2u);
    EXPECT_EQ(ran, (std::vector<int>{1, 3}));
    EXPECT_EQ(s.now(), 2 * MS) << "the clock stopped at the last task that ran";
    EXPECT_TRUE(s.empty());
}

TEST(Scheduler, RunsEventsInTimeThenSchedulingOrderWithTies) {
    Scheduler s;
    Rng rng(7);
    std::vector<std::pair<Time, int>> want; // (time, id) in scheduling order
    std::vector<std::pair<Time, int>> ran;
    int next_id = 0;
    // Times from a small range so that many collide; some tasks schedule more,
    // at the same instant and later (as nodes do).
    for (int i = 0; i < 2000; ++i) {
        const Time t = rng.below(300);
        const int id = next_id++;
        want.emplace_back(t, id);
        s.at(t, [&, id] {
            ran.emplace_back(s.now(), id);
            if (id % 2 == 0 && next_id < 20000) {
                const Time later = s.now() + rng.below(64);
                const int child = next_id++;
                want.emplace_back(later, child);
                s.at(later, [&, child] { ran.emplace_back(s.now(), child); });
            }
        });
    }
    s.run();
    // By time, then by when each was scheduled (ids count up as events are
    // scheduled, children included).
    ASSERT_EQ(ran.size(), want.size());
    std::sort(want.begin(), want.end());
    auto sorted_ran = ran;
    std::sort(sorted_ran.begin(), sorted_ran.end());
    EXPECT_EQ(sorted_ran, want); // each ran once, at its time
    for (std::size_t i = 1; i < ran.size(); ++i) {
        ASSERT_LE(ran[i - 1].first, ran[i].first) << "time went back at event " << i;
        if (ran[i - 1].first == ran[i].first) {
            ASSERT_LT(ran[i - 1].second, ran[i].second) << "tie out of order at " << i;
        }
    }
    EXPECT_EQ(s.executed(), want.size());
    EXPECT_TRUE(s.empty());
}

TEST(Scheduler, OrderHoldsAcrossTheRingAndFarEvents) {
    // Times from nanoseconds to seconds: in the slot being run, in the ring's
    // reach and far beyond it (the heap), with events that schedule more at
    // random distances, some into the very slot being run. Checked against a sort.
    Scheduler s;
    Rng rng(11);
    std::vector<std::pair<Time, int>> want, ran;
    int next_id = 0;
    const auto delay = [&] {
        switch (rng.below(4)) {
        case 0: return rng.below(1000);              // the same slot, often
        case 1: return rng.below(300 * US);          // link latency
        case 2: return rng.below(20 * MS);           // past the ring
        default: return rng.below(3 * SEC);          // far
        }
    };
    std::function<void(int)> body = [&](int id) {
        ran.emplace_back(s.now(), id);
        if (next_id < 30000 && rng.chance(2, 3)) {
            const Time t = s.now() + delay();
            const int child = next_id++;
            want.emplace_back(t, child);
            s.at(t, [&, child] { body(child); });
        }
    };
    for (int i = 0; i < 3000; ++i) {
        const Time t = delay();
        const int id = next_id++;
        want.emplace_back(t, id);
        s.at(t, [&, id] { body(id); });
    }
    // In slices, as the CLI runs it: pauses between events must not change the order.
    for (Time until = 0; !s.empty(); until += 7 * MS + rng.below(MS)) s.run(until);
    ASSERT_EQ(ran.size(), want.size());
    auto sorted_want = want;
    std::sort(sorted_want.begin(), sorted_want.end());
    auto sorted_ran = ran;
    std::sort(sorted_ran.begin(), sorted_ran.end());
    EXPECT_EQ(sorted_ran, sorted_want);
    for (std::size_t i = 1; i < ran.size(); ++i) {
        ASSERT_LE(ran[i - 1].first, ran[i].first) << "time went back at event " << i;
        if (ran[i - 1].first == ran[i].first) {
            ASSERT_LT(ran[i - 1].second, ran[i].second) << "tie at " << i;
        }
    }
}

TEST(Scheduler, CompactEventsReachTheSinkInOrderWithTasks) {
    Scheduler s;
    Recorder r;
    r.s = &s;
    s.set_sink(&r);
    std::vector<int> order;
    s.post(50, 1, 10);
    s.at(50, [&] { order.push_back(2); });
    s.post(20, 3, 30);
    s.run();
    ASSERT_EQ(r.got.size(), 2u);
    EXPECT_EQ(r.got[0], std::make_tuple(Time{20}, 3u, 30u));
    EXPECT_EQ(r.got[1], std::make_tuple(Time{50}, 1u, 10u));
    EXPECT_EQ(order, std::vector<int>{2});
}

TEST(Scheduler, PrefetchHintsNameTheEventsThatComeLater) {
    // Each stage's hint is for the compact event that many places ahead in the
    // instant being run; tasks get no hint; the hints change nothing.
    struct Hints final : Scheduler::Sink {
        std::vector<std::uint32_t> ran;
        std::vector<std::tuple<std::uint32_t, std::uint32_t, int>> hints; // (event run next, hinted, stage)
        void on_event(std::uint32_t a, std::uint32_t) override { ran.push_back(a); }
        void prefetch(std::uint32_t a, std::uint32_t, int stage) override {
            hints.emplace_back(static_cast<std::uint32_t>(ran.size()), a, stage);
        }
    } sink;
    // Runs 20 compact events (and a task, if asked) at one instant, hints on where
    // `min_pending` is set, and gives back the hints.
    const auto run20 = [&sink](std::optional<std::size_t> min_pending, bool task = false) {
        sink.ran.clear();
        sink.hints.clear();
        Scheduler s;
        s.set_sink(&sink);
        if (min_pending) {
            s.set_prefetching(true);
            if (*min_pending != Scheduler::PREFETCH_MIN_PENDING) s.set_prefetch_min_pending(*min_pending);
        }
        for (std::uint32_t i = 0; i < 20; ++i) s.post(5, i, 0);
        if (task) s.at(5, [] {}); // the 21st event: a task
        s.run();
        EXPECT_EQ(sink.ran.size(), 20u);
        return sink.hints;
    };
    // The hints expected when the events before the `first_silent`th give them.
    const auto expected = [](std::uint32_t first_silent) {
        std::size_t want = 0;
        for (std::uint32_t next = 0; next < first_silent; ++next)
            for (std::size_t st = 0; st < Scheduler::PREFETCH_STAGES.size(); ++st)
                if (next + Scheduler::PREFETCH_STAGES[st] < 20) ++want;
        return want;
    };
    EXPECT_TRUE(run20(std::nullopt).empty()) << "hints are off until asked for";
    EXPECT_TRUE(run20(Scheduler::PREFETCH_MIN_PENDING).empty()) << "on, but fewer pending than the default minimum";
    const auto all = run20(0, true);
    EXPECT_EQ(all.size(), expected(21));
    for (const auto& [next, hinted, stage] : all)
        EXPECT_EQ(hinted, next + Scheduler::PREFETCH_STAGES[static_cast<std::size_t>(stage)]);
    // With a minimum of 15 pending, only the first 6 of 20 events (20..15 pending) give hints.
    const auto some = run20(15);
    EXPECT_EQ(some.size(), expected(6));
    for (const auto& h : some) EXPECT_LT(std::get<0>(h), 6u);
}

TEST(Scheduler, AnEventPostedBeforeAPausedInstantStillRunsFirst) {
    Scheduler s;
    std::vector<int> order;
    s.at(100, [&] { order.push_back(100); });
    s.at(500, [&] { order.push_back(500); });
    EXPECT_EQ(s.run(200), 1u); // stops with the 500 instant prepared
    EXPECT_EQ(s.pending(), 1u);
    // Between runs, something is scheduled before that instant (and one at it).
    s.at(300, [&] { order.push_back(300); });
    s.at(500, [&] { order.push_back(501); });
    s.at(150, [&] { order.push_back(150); }); // after now (100), before the rest
    s.run();
    EXPECT_EQ(order, (std::vector<int>{100, 150, 300, 500, 501}));
}

TEST(Scheduler, MaxEventsStopsMidInstantAndResumes) {
    Scheduler s;
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) s.at(10, [&, i] { order.push_back(i); });
    EXPECT_EQ(s.run(UINT64_MAX, 2), 2u);
    s.at(10, [&] { order.push_back(5); }); // same instant, scheduled last
    s.run();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(Scheduler, TrimKeepsPendingEventsAndFreesADrainedQueue) {
    Scheduler s;
    int ran = 0;
    s.at(5, [&] { ++ran; });
    s.trim(); // pending: a no-op
    EXPECT_EQ(s.pending(), 1u);
    s.run();
    s.trim();
    EXPECT_TRUE(s.empty());
    s.at(s.now() + 1, [&] { ++ran; }); // still usable
    s.run();
    EXPECT_EQ(ran, 2);
}

} // namespace
} // namespace mitokit::sim

namespace mitokit::sim {
namespace {

TEST(EventLog, AFixedRecordHashesItsKindAndNumbersAndPrintsItsName) {
    const auto hash_of = [](auto&& write) {
        EventLog log;
        write(log);
        return log.hash();
    };
    const std::uint64_t rx = hash_of([](EventLog& l) { l.record(5, "rx", 1, 2, 3); });
    EXPECT_EQ(rx, hash_of([](EventLog& l) { l.record(5, "rx", 1, 2, 3); })) << "the same record, the same hash";
    EXPECT_NE(rx, hash_of([](EventLog& l) { l.record(5, "tx", 1, 2, 3); })) << "the kind counts";
    EXPECT_NE(rx, hash_of([](EventLog& l) { l.record(6, "rx", 1, 2, 3); })) << "the time counts";
    EXPECT_NE(rx, hash_of([](EventLog& l) { l.record(5, "rx", 1, 3, 2); })) << "the numbers count, in order";
    EXPECT_NE(hash_of([](EventLog& l) { l.record(5, "spawn", 7); }), hash_of([](EventLog& l) { l.record(5, "spawn", 8); }));
    EventLog kept;
    kept.keep_lines(true);
    kept.record(5, "call_started", 1, 2, 3);
    ASSERT_EQ(kept.lines().size(), 1u);
    EXPECT_EQ(kept.lines()[0], "5 call_started 1 2 3");
    EXPECT_EQ(kept.count(), 1u);
}

TEST(Rng, BelowIsInRangeUniformAndReproducible) {
    Rng a(42), b(42), c(43);
    EXPECT_EQ(a.below(0), 0u);
    EXPECT_EQ(a.below(1), 0u);
    EXPECT_EQ(b.below(0), 0u);
    EXPECT_EQ(b.below(1), 0u);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        const auto x = a.below(1000003), y = b.below(1000003);
        ASSERT_EQ(x, y);
        ASSERT_LT(x, 1000003u);
        differs |= x != c.below(1000003);
    }
    EXPECT_TRUE(differs) << "another seed gave the same stream";
    // Six buckets, 60,000 draws: each within 5% of 10,000 (a biased or broken
    // reduction, such as taking the high bits of a small product, fails this).
    std::array<int, 6> counts{};
    for (int i = 0; i < 60000; ++i) ++counts[a.below(6)];
    for (int k : counts) EXPECT_NEAR(k, 10000, 500);
    // Near the top of the range, where rejection matters.
    const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
    int high = 0;
    for (int i = 0; i < 20000; ++i) {
        const auto v = a.below(big);
        ASSERT_LT(v, big);
        high += v >= big / 2;
    }
    EXPECT_NEAR(high, 10000, 500);
}

} // namespace
} // namespace mitokit::sim
