// A run of the simulator: build a tree (master.local() for the first level,
// _proxy_connect calls below), then a workload on every leaf (calls, imports of a
// module set, log records), with faults scheduled from the seed, then the
// invariants. The result is data (Report) first; text and JSON come from it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mitokit/result.hpp"
#include "mitokit/sim/simulation.hpp"

namespace mitokit::sim {

// Bounds on what a run may ask for, checked by `mitokit simulate` before it starts:
// the tree's size, and the leaf phase's tasks (its time) and the tasks waiting for
// an answer at once (about 650 bytes each while they wait).
inline constexpr std::uint64_t MAX_CONTEXTS = 2000000;
inline constexpr std::uint32_t MAX_CALLS_PER_LEAF = 1000000;
inline constexpr std::uint64_t MAX_LEAF_TASKS = 100000000;
inline constexpr std::uint64_t MAX_LEAF_TASKS_IN_FLIGHT = 4000000;

struct WorkloadConfig {
    std::vector<std::uint32_t> fanout{10, 10};  // children per context at each level (size = depth)
    // An explicit tree instead of `fanout`: entry i is the parent of context slot
    // i+1, where slot 0 is the master and a parent must come before its children.
    std::vector<std::uint32_t> tree_parents;
    std::uint32_t calls_per_leaf = 1;           // posix.getpid round trips
    std::vector<std::string> imports;           // modules every leaf imports (mitokit.sim.import_modules)
    // Intermediates import the set first, then the master forward_modules() it to
    // every leaf, so leaves find it cached instead of asking.
    bool preload = false;
    std::uint32_t logs_per_leaf = 0;            // FORWARD_LOG records per leaf
    std::uint32_t ids_per_leaf = 0;             // context IDs each leaf allocates (mitokit.sim.allocate_ids)
    bool shutdown_at_end = false;               // master shutdown after the workload
    // _proxy_connect calls (or the master's local()) a parent has in flight at once
    // while the tree is built; its other children wait their turn. 1 is a program
    // calling router.local(via=parent) in a loop; more keep the parent's main
    // thread busy without a queue of every child's call (0: no limit).
    std::uint32_t connect_window = 16;
    // One connect at a time over the whole tree, in tree order (a parent before its
    // children), as a program calling router.local() in a loop for each context
    // does: which intermediate asks for an ID block first, and so every context's
    // ID, is then the same as that program's.
    bool sequential_connects = false;
    // Leaf-phase calls the master keeps in flight: a leaf's calls start once fewer
    // than this many are unanswered, as a program with a bounded pool of callers
    // does (0: every leaf's calls at once, as call_async in a loop).
    std::uint32_t call_window = 0;
    // Once the tree is up, the master sends os._exit(0) (call_no_reply) to each of
    // these contexts, then waits kill_wait before the leaf phase: their subtrees are
    // gone, and calls to them end dead.
    std::vector<ContextId> kill;
    Time kill_wait = 1 * SEC;
    // Events run between two calls of run_workload's progress callback.
    std::uint64_t progress_every_events = 20000;
};

// The leaf-phase tasks each leaf brings: its getpid calls, and one each for the
// import, the log records and the ID allocation when asked for.
inline std::uint64_t tasks_per_leaf(const WorkloadConfig& wl) {
    return std::uint64_t{wl.calls_per_leaf} + !wl.imports.empty() + (wl.logs_per_leaf != 0) + (wl.ids_per_leaf != 0);
}

struct FaultConfig {
    std::uint32_t cuts = 0, crashes = 0, stalls = 0, corruptions = 0;
    Time stall_for = 50 * MS;
};

struct CallStats {
    std::uint64_t started = 0, ok = 0, call_errors = 0, dead = 0;
    std::vector<Time> latencies; // completed calls, simulated
};

struct Report {
    std::uint64_t contexts = 0, alive = 0;
    std::uint64_t event_hash = 0, events = 0, scheduler_events = 0;
    double sim_time_s = 0, wall_s = 0;
    // Process CPU seconds of the run (building the tree to the last event; not
    // the invariant checks or teardown), and of its phases: building the tree (and
    // preloading, if asked), and from the first leaf call on. hops / cpu is the
    // routing rate on one core. The phases' hops are this run's.
    double run_cpu_s = 0, build_cpu_s = 0, leaf_cpu_s = 0;
    std::uint64_t build_hops = 0, leaf_hops = 0;
    std::uint64_t leaf_calls_peak = 0;       // most leaf-phase calls in flight at once
    std::uint64_t peak_rss_bytes = 0;
    std::uint64_t settled_rss_bytes = 0;     // RSS at the end, freed pages returned (malloc_trim)
    std::uint64_t hops = 0;
    LinkStats bytes;
    std::map<std::uint32_t, HandleStats> per_handle;
    CallStats calls, connects, imports, id_allocations;
    std::uint64_t modules_imported_ok = 0;   // sum of import_modules results
    std::uint64_t log_records = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(Note::count_)> notes{};
    std::vector<std::string> faults;         // what was injected, when
    std::vector<std::string> violations;     // invariants that failed
    std::uint64_t node_memory_bytes = 0;     // sum of Node::memory_estimate()
};

// How far a run is, in tasks (connects, preloads, leaf calls): those ended, of
// those the planned tree brings (less the subtrees that could not connect).
struct ProgressInfo {
    std::uint64_t done = 0, planned = 0;
    double fraction() const noexcept {
        return planned ? static_cast<double>(done < planned ? done : planned) / static_cast<double>(planned) : 1.0;
    }
};
// Called every WorkloadConfig::progress_every_events events, and once at the end.
using Progress = std::function<void(const ProgressInfo&)>;

// Parses a tree file: one line per context after the master, holding the line
// number of its parent (0 for the master); blank lines and '#' comments ignored.
Result<std::vector<std::uint32_t>> parse_tree(std::string_view text);

Report run_workload(Simulation& sim, const WorkloadConfig& wl, const FaultConfig& faults, const Progress& progress = {});

std::string report_json(const Report& r);
std::string report_text(const Report& r);
// Graphviz of the context tree (every context ever started; dead ones dashed).
std::string tree_dot(Simulation& sim);
// p in [0,100] of sorted latencies, in microseconds.
double percentile_us(std::vector<Time> v, double p);

} // namespace mitokit::sim
