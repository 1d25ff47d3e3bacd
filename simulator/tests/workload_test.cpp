// Whole runs: tree building, workload, faults from the seed, invariants, report.
#include <algorithm>

#include <gtest/gtest.h>

#include "mitokit/handles.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/sim/module_sets.hpp"
#include "mitokit/sim/workload.hpp"

namespace mitokit::sim {
namespace {

struct TreeRun {
    explicit TreeRun(std::uint64_t seed, std::size_t prefetch_from = SimConfig{}.prefetch_from_contexts)
        : functions(FunctionRegistry::standard()) {
        SyntheticParams p;
        p.seed = seed;
        p.source_bytes = 200;
        src = synthetic_modules(p, &names);
        loaded = std::make_unique<SourceLoaded>(*src);
        catalog = std::make_unique<ModuleCatalog>(*src, *loaded);
        functions.add_builtin_module("mitogen.parent");
        shared.functions = &functions;
        shared.modules = catalog.get();
        SimConfig cfg;
        cfg.seed = seed;
        cfg.prefetch_from_contexts = prefetch_from;
        cfg.prefetch_min_pending = 0; // a small tree never has the default's backlog: hint anyway
        sim = std::make_unique<Simulation>(cfg, shared);
        wl.fanout = {3, 3};
        wl.imports = {names[0], names[5]};
        wl.logs_per_leaf = 2;
    }
    Report go(const FaultConfig& f = {}) { return run_workload(*sim, wl, f); }

    FunctionRegistry functions;
    std::vector<std::string> names;
    std::unique_ptr<modules::MemorySource> src;
    std::unique_ptr<SourceLoaded> loaded;
    std::unique_ptr<ModuleCatalog> catalog;
    NodeShared shared;
    std::unique_ptr<Simulation> sim;
    WorkloadConfig wl;
};

TEST(Workload, PercentilesAreTheNearestRankOfTheSortedLatencies) {
    // 1..1000 us, shuffled: p50 is the 500th-501st value rounded to the nearer rank.
    std::vector<Time> v;
    for (Time k = 1000; k >= 1; --k) v.push_back(((k * 7919) % 1000 + 1) * US);
    EXPECT_DOUBLE_EQ(percentile_us(v, 0), 1.0);
    EXPECT_DOUBLE_EQ(percentile_us(v, 50), 501.0); // rank 0.5 * 999 + 0.5 = 500 (0-based)
    EXPECT_DOUBLE_EQ(percentile_us(v, 99), 990.0); // rank 989.51 -> 989
    EXPECT_DOUBLE_EQ(percentile_us(v, 100), 1000.0);
    EXPECT_DOUBLE_EQ(percentile_us({}, 50), 0.0);
}

TEST(Workload, CleanRunCompletesEveryTaskAndHoldsInvariants) {
    TreeRun r(1);
    const Report rep = r.go();
    EXPECT_EQ(rep.contexts, 13u);
    EXPECT_EQ(rep.connects.ok, 12u);
    EXPECT_EQ(rep.calls.ok, 18u) << "9 leaves x (getpid + log)";
    EXPECT_EQ(rep.imports.ok, 9u);
    EXPECT_EQ(rep.log_records, 18u);
    EXPECT_TRUE(rep.violations.empty()) << rep.violations.front();
    EXPECT_GT(percentile_us(rep.calls.latencies, 99), 0.0);
    const std::string json = report_json(rep);
    for (const char* key : {"\"contexts\":13", "\"event_hash\":", "\"wall_s\":", "\"peak_rss_bytes\":",
                            "\"per_handle\":", "\"invariants\":{\"ok\":true", "\"run_cpu_s\":",
                            "\"hops_per_cpu_s\":", "\"phases\":{\"build\":{\"hops\":"})
        EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
    // The phases split the run: their hops add up to all of them.
    EXPECT_GT(rep.build_hops, 0u);
    EXPECT_GT(rep.leaf_hops, 0u);
    EXPECT_EQ(rep.build_hops + rep.leaf_hops, rep.hops);
    EXPECT_GT(rep.run_cpu_s, 0.0);
    EXPECT_LE(rep.build_cpu_s + rep.leaf_cpu_s, rep.run_cpu_s * 1.0001);
}

TEST(Workload, TheCallWindowBoundsLeafCallsInFlightAndEndsThemAll) {
    // 9 leaves, 3 calls each (getpid, import, log). Without a window every leaf's calls
    // start at once; with one, a leaf starts only while fewer than the window are
    // unanswered, so at most window - 1 + 3 are in flight, and all of them still end.
    for (std::uint32_t window : {0u, 1u, 4u}) {
        TreeRun r(1);
        r.wl.call_window = window;
        r.wl.logs_per_leaf = 1;
        const Report rep = r.go();
        EXPECT_TRUE(rep.violations.empty()) << window << ": " << rep.violations.front();
        EXPECT_EQ(rep.calls.ok, 18u) << window;
        EXPECT_EQ(rep.imports.ok, 9u) << window;
        EXPECT_EQ(rep.leaf_calls_peak, window ? window - 1 + 3 : 27u) << window;
        EXPECT_NE(report_json(rep).find("\"calls_in_flight_peak\":" + std::to_string(rep.leaf_calls_peak)),
                  std::string::npos);
    }
}

TEST(Workload, ProgressRisesToOneOverThePlannedTasks) {
    // The fraction counts against every task the tree will bring, not only those
    // started so far: a tree connected one context at a time must not show nearly
    // done from the start, nor fall back when the leaf calls start. With faults, a
    // subtree that cannot connect takes its tasks off, so a run still ends at 1.
    FaultConfig f;
    f.cuts = 1;
    f.crashes = 1;
    for (const bool sequential : {false, true}) {
        for (std::uint64_t seed = 1; seed <= 6; ++seed) {
            TreeRun r(seed);
            r.wl.fanout = {4, 3};
            r.wl.sequential_connects = sequential;
            r.wl.call_window = 2;
            r.wl.progress_every_events = 10;
            std::vector<double> seen;
            const Report rep = run_workload(*r.sim, r.wl, seed > 3 ? f : FaultConfig{}, [&](const ProgressInfo& x) { seen.push_back(x.fraction()); });
            const std::string what = (sequential ? "sequential, seed " : "concurrent, seed ") + std::to_string(seed);
            ASSERT_GE(seen.size(), 20u) << what;
            EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << what;
            EXPECT_LT(seen.front(), 0.2) << what;
            EXPECT_DOUBLE_EQ(seen.back(), 1.0) << what;
            const auto mid = std::count_if(seen.begin(), seen.end(), [](double x) { return x > 0.3 && x < 0.7; });
            EXPECT_GT(mid, 0) << what;
            if (seed <= 3) {
                EXPECT_TRUE(rep.violations.empty()) << what;
            }
        }
    }
}

TEST(Workload, ProgressTakesOffTheTasksOfASubtreeThatCannotConnect) {
    // Context 1 refuses every _proxy_connect: its children never connect, so their
    // subtrees' connects and leaf calls never start, and the fraction still ends at 1.
    for (const bool sequential : {false, true}) {
        TreeRun r(1);
        r.functions.add("mitogen.parent", std::nullopt, "_proxy_connect",
                        [](Node& n, const payload::CallFunction&, CallDone done) {
                            if (n.id() == 1) return done(CallResult::raise("builtins.OSError", "refused"));
                            n.spawn_child({}, [done](std::optional<ContextId> id, StreamId) {
                                done(id ? CallResult::connected_default(*id) : CallResult::raise("x", "no id"));
                            });
                        });
        r.wl.fanout = {2, 2, 2};
        r.wl.sequential_connects = sequential;
        r.wl.progress_every_events = 10;
        std::vector<double> seen;
        const Report rep = run_workload(*r.sim, r.wl, {}, [&](const ProgressInfo& x) { seen.push_back(x.fraction()); });
        EXPECT_EQ(rep.connects.call_errors, 2u) << sequential;
        EXPECT_EQ(rep.contexts, 9u) << sequential << ": the master, two, two under context 2, and their four";
        ASSERT_FALSE(seen.empty());
        EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << sequential;
        EXPECT_DOUBLE_EQ(seen.back(), 1.0) << sequential;
    }
}

TEST(Workload, AKillOfAContextNotInTheTreeIsReported) {
    TreeRun r(1);
    r.wl.kill = {1, 999999};
    const Report rep = r.go();
    EXPECT_TRUE(rep.violations.empty()) << rep.violations.front();
    EXPECT_GT(rep.calls.dead, 0u) << "context 1's subtree is gone";
    ASSERT_EQ(rep.faults.size(), 1u);
    EXPECT_EQ(rep.faults[0], "kill 999999: no such context in the tree");
}

TEST(Workload, SameSeedSameHashAcrossWholeRuns) {
    EXPECT_EQ(TreeRun(4).go().event_hash, TreeRun(4).go().event_hash);
    EXPECT_NE(TreeRun(4).go().event_hash, TreeRun(5).go().event_hash);
}

TEST(Workload, PrefetchHintsChangeNothing) {
    // Hints from the start, from the seventh context on, and never (13 contexts):
    // the same events in the same order, with faults (end-of-file and dropped
    // segments get hints too).
    FaultConfig f;
    f.cuts = 1;
    f.crashes = 1;
    f.stalls = 1;
    f.corruptions = 1;
    const Report never = TreeRun(6, SIZE_MAX).go(f);
    for (std::size_t from : {std::size_t{1}, std::size_t{7}}) {
        const Report rep = TreeRun(6, from).go(f);
        EXPECT_EQ(rep.event_hash, never.event_hash) << "hints from context " << from;
        EXPECT_EQ(rep.hops, never.hops);
    }
}

TEST(Workload, FaultsNeverBreakTheInvariants) {
    FaultConfig f;
    f.cuts = 2;
    f.crashes = 1;
    f.stalls = 2;
    f.corruptions = 1;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        TreeRun r(seed);
        r.wl.fanout = {4, 3};
        const Report rep = r.go(f);
        EXPECT_TRUE(rep.violations.empty()) << "seed " << seed << ": " << rep.violations.front();
        EXPECT_EQ(rep.faults.size(), 6u);
    }
}

TEST(Workload, AHungCallIsReportedAsAViolation) {
    TreeRun r(1);
    r.functions.add("posix", std::nullopt, "getpid", [](Node&, const payload::CallFunction&, CallDone) {});
    const Report rep = r.go();
    ASSERT_FALSE(rep.violations.empty());
    // The hung getpid holds each leaf's main thread, so the leaf's later calls
    // queue behind it forever too.
    EXPECT_EQ(rep.violations.at(0), "calls: 18 of 18 never ended");
    EXPECT_EQ(rep.violations.at(1), "imports: 9 of 9 never ended");
    EXPECT_EQ(rep.violations.at(2), "27 receivers still waiting at the master");
}

TEST(Workload, ExplicitTreeFromFile) {
    auto t = parse_tree("# master has two children; the second has one\n0\n0\n2  # under line 2\n\n");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(*t, (std::vector<std::uint32_t>{0, 0, 2}));
    TreeRun r(3);
    r.wl.tree_parents = *t;
    const Report rep = r.go();
    EXPECT_EQ(rep.contexts, 4u);
    EXPECT_EQ(rep.calls.ok, 4u) << "leaves 1 and 3: getpid + log each";
    EXPECT_TRUE(rep.violations.empty());
}

TEST(Workload, BadTreeFilesAreNamedByLine) {
    auto t = parse_tree("0\nx\n");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message, "tree line 2: expected a parent number, got 'x'");
    t = parse_tree("0\n5\n");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message, "tree line 2 (context 2): parent 5 does not come before it");
    // A comment line counts as a line, not as a context.
    t = parse_tree("0\n# two\n3\n");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message, "tree line 3 (context 2): parent 3 does not come before it");
    // A bad line is shown escaped and cut short, not echoed whole.
    t = parse_tree("0\n\x1b[2J" + std::string(100000, '7') + "x\n");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().message, "tree line 2: expected a parent number, got '\\x1b[2J" + std::string(36, '7') +
                                     "'... (100005 bytes)");
}

TEST(Workload, PreloadingSavesLeafRoundTrips) {
    const auto gets = [](const Report& rep) { return rep.per_handle.at(handle::GET_MODULE).messages; };
    TreeRun plain(6);
    const Report a = plain.go();
    TreeRun pre(6);
    pre.wl.preload = true;
    const Report b = pre.go();
    EXPECT_TRUE(a.violations.empty());
    EXPECT_TRUE(b.violations.empty());
    EXPECT_GT(b.per_handle.at(handle::FORWARD_MODULE).messages, 0u);
    EXPECT_LT(gets(b), gets(a)) << "pushed modules need no GET_MODULE from the leaves";
}

TEST(Workload, DotNamesEveryContext) {
    // Every context is a node, and every child an edge from its parent. Which IDs
    // a subtree gets (the master's own or a block of 1000) follows the connect
    // window. One at a time: the master has spawned 1 and 2 when 1 asks for a
    // block (3..1002), so its third child is 1003 (the reference's IdAllocator
    // counts on after a block), and 2's and 1003's children come from blocks.
    // All three at once: 1, 2, 3, and only two of them need a block.
    for (const auto& [window, want_blocks] : {std::pair<std::uint32_t, std::size_t>{1, 7}, {16, 6}}) {
        TreeRun r(2);
        r.wl.connect_window = window;
        r.go();
        const std::string dot = tree_dot(*r.sim);
        ASSERT_EQ(r.sim->node_count(), 13u);
        std::size_t blocks = 0;
        for (std::size_t i = 0; i < r.sim->node_count(); ++i) {
            const Node& n = r.sim->node_at(i);
            const std::string c = "c" + std::to_string(n.id());
            EXPECT_NE(dot.find("  " + c + " [label="), std::string::npos) << c << "\n" << dot;
            if (const auto p = n.parent_id()) {
                EXPECT_NE(dot.find("c" + std::to_string(*p) + " -> " + c + ";"), std::string::npos) << c << "\n" << dot;
                blocks += n.id() >= 1000;
            }
        }
        EXPECT_EQ(blocks, want_blocks) << "connect window " << window << "\n" << dot;
    }
}

} // namespace
} // namespace mitokit::sim
