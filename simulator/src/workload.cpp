#include "mitokit/sim/workload.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <span>

#include "mitokit/handles.hpp"
#include "mitokit/pickle/small.hpp"
#include "mitokit/sim/calls.hpp"
#include "mitokit/sim/chunked_store.hpp"
#include "mitokit/sim/json_out.hpp"

namespace mitokit::sim {
namespace {

double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// module.function(n), pickled once for a workload that sends it to many contexts.
std::vector<std::uint8_t> int_call(const char* module, const char* function, std::int64_t n) {
    auto c = make_call(module, std::nullopt, function);
    c.args = c.doc.tuple({c.doc.integer(n)});
    return payload::build_call_function(c);
}

struct Driver {
    Driver(Simulation& s, const WorkloadConfig& w, const FaultConfig& f, Report& r)
        : sim(s), wl(w), faults(f), rep(r) {
        build_calls();
    }

    Simulation& sim;
    const WorkloadConfig& wl;
    const FaultConfig& faults;
    Report& rep;
    std::vector<ContextId> leaves, intermediates;
    std::uint64_t pending_connects = 0, pending_work = 0, total_tasks = 0, done_tasks = 0;
    // Tasks the whole run will start, from the planned tree: the progress bar's
    // denominator (total_tasks only counts those started, which a run that starts
    // them one at a time keeps just ahead of done_tasks). A subtree that cannot
    // connect takes its share off again.
    std::uint64_t planned_tasks = 0;

    void tick() { ++done_tasks; }
    ProgressInfo progress() const { return ProgressInfo{done_tasks, std::max(planned_tasks, total_tasks)}; }
    // Tasks a slot brings besides its own connect: a leaf's work, an intermediate's preload.
    std::uint64_t own_tasks(std::uint32_t slot) const {
        if (first[slot + 1] == first[slot]) return tasks_per_leaf(wl);
        return wl.preload && !wl.imports.empty() ? 1 : 0;
    }
    // A context that did not connect: its own tasks and its whole subtree's never start.
    void unplan_subtree(std::uint32_t slot) {
        std::uint64_t gone = own_tasks(slot);
        std::vector<std::uint32_t> todo(children_of(slot).begin(), children_of(slot).end());
        while (!todo.empty()) {
            const std::uint32_t s = todo.back();
            todo.pop_back();
            gone += 1 + own_tasks(s);
            for (std::uint32_t k : children_of(s)) todo.push_back(k);
        }
        planned_tasks -= std::min(gone, planned_tasks);
    }

    // CALL_FUNCTION payloads the workload sends again and again, pickled once.
    const std::vector<std::uint8_t> getpid_call = payload::build_call_function(make_call("posix", std::nullopt, "getpid"));
    const std::vector<std::uint8_t> proxy_connect_call =
        payload::build_call_function(make_proxy_connect_call(sim.shared().unidirectional));
    std::vector<std::uint8_t> import_call, log_call, allocate_call;

    // A call in flight: what its reply is counted against and what follows it.
    // Kept in a slab so the reply handler captures only a slot (small enough for
    // std::function's inline storage: no allocation per call); 24 bytes each, in
    // chunks, so a million calls in flight cost 24 MB and never reallocate.
    enum class Then : std::uint8_t { nothing, connected, imported, preloaded };
    struct Tracked {
        CallStats* st = nullptr;
        Time t0 = 0;
        std::uint32_t tree_slot = 0; // Then::connected: the context's slot in the tree
        Then then = Then::nothing;
        bool leaf_work = false;      // counts against the leaf phase's call window
    };
    static constexpr std::size_t TRACKED_KEEP = std::size_t{1} << 12; // one chunk
    std::unique_ptr<ChunkedStore<Tracked, 12>> tracked_;
    std::vector<std::uint32_t> tracked_free_;

    void track(CallStats& st, ContextId target, std::span<const std::uint8_t> call, Then then = Then::nothing,
               std::uint32_t tree_slot = 0, bool leaf_work = false) {
        ++st.started;
        ++total_tasks;
        std::uint32_t slot;
        if (!tracked_free_.empty()) {
            slot = tracked_free_.back();
            tracked_free_.pop_back();
        } else {
            if (!tracked_) tracked_ = std::make_unique<ChunkedStore<Tracked, 12>>();
            slot = static_cast<std::uint32_t>(tracked_->size());
            tracked_->emplace_back();
        }
        (*tracked_)[slot] = Tracked{&st, sim.now(), tree_slot, then, leaf_work};
        if (leaf_work) leaf_peak_ = std::max(leaf_peak_, ++leaf_in_flight_);
        sim.master().call_async_pickled(target, call, [this, slot](Node&, const Message& m) { settle(slot, m); });
    }

    void settle(std::uint32_t slot, const Message& m) {
        const Tracked t = (*tracked_)[slot];
        tracked_free_.push_back(slot);
        // None in flight: drop the peak's slab, unless it is the first chunk alone
        // (a tree built one connect at a time would otherwise make and free a
        // chunk per connect).
        if (tracked_free_.size() == tracked_->size() && tracked_->size() > TRACKED_KEEP) {
            tracked_.reset();
            std::vector<std::uint32_t>().swap(tracked_free_);
        }
        // The usual _proxy_connect reply is read without the decoder: the same ok
        // Reply and ID as read_reply() and connected_id() give. So is a value
        // nobody reads (getpid's int, a None): read_reply() would find it ok, and
        // filling in a Reply for it cost more than reading it.
        const std::optional<std::int64_t> quick =
            t.then == Then::connected && !m.is_dead() ? payload::connect_reply_id(m.data) : std::nullopt;
        const bool known_ok =
            quick || (t.then == Then::nothing && !m.is_dead() && pickle::small::read_scalar(m.data));
        Reply& r = reply_;
        if (!known_ok) read_reply(m, r);
        if (!known_ok && r.dead) ++t.st->dead;
        else if (!known_ok && !r.ok()) ++t.st->call_errors;
        else {
            ++t.st->ok;
            t.st->latencies.push_back(sim.now() - t.t0);
        }
        tick();
        switch (t.then) {
        case Then::nothing: break;
        case Then::connected:
            connected(quick ? std::optional<ContextId>(static_cast<ContextId>(*quick)) : connected_id(r), t.tree_slot);
            break;
        case Then::imported: count_imported(r); break;
        case Then::preloaded:
            count_imported(r);
            if (--pending_work == 0) leaf_phase();
            break;
        }
        if (t.leaf_work) {
            --leaf_in_flight_;
            start_leaves();
        }
    }

    // The ID in a _proxy_connect reply ({'id': ..., 'name': ..., 'msg': ...}).
    static std::optional<ContextId> connected_id(const Reply& r) {
        std::optional<ContextId> id;
        if (r.ok() && r.doc[r.root].kind == pickle::Kind::dict) {
            const auto& items = r.doc[r.root].items;
            for (std::size_t k = 0; k + 1 < items.size(); k += 2)
                if (r.doc[items[k]].s == "id" && r.doc[items[k + 1]].kind == pickle::Kind::integer)
                    id = static_cast<ContextId>(r.doc[items[k + 1]].i);
        }
        return id;
    }

    // The tree by slot (slot 0 is the master), children of slot p at
    // kids[first[p] .. first[p + 1]): 8 bytes a context at a million contexts.
    std::vector<std::uint32_t> first, kids;
    // While building: each slot's parent slot, context ID, and next child to
    // connect (12 bytes a context, freed once the tree is up).
    std::vector<std::uint32_t> parent_slot_, next_kid_;
    std::vector<ContextId> slot_id_;
    Reply reply_; // one Document reused for every reply
    double leaf_cpu0 = -1;
    std::uint64_t leaf_hops0 = 0;

    std::size_t slots() const { return first.size() - 1; }
    std::span<const std::uint32_t> children_of(std::uint32_t p) const {
        return std::span<const std::uint32_t>(kids).subspan(first[p], first[p + 1] - first[p]);
    }

    void plan_tree() {
        std::vector<std::uint32_t> parent_of; // of slots 1..n, at index slot - 1
        if (!wl.tree_parents.empty()) {
            parent_of = wl.tree_parents;
        } else {
            // Level fanouts, breadth first: the parents of a level are the previous level's slots.
            std::uint64_t level_start = 0, level_size = 1;
            for (std::uint32_t fan : wl.fanout) {
                for (std::uint64_t p = level_start; p < level_start + level_size; ++p)
                    for (std::uint32_t k = 0; k < fan; ++k) parent_of.push_back(static_cast<std::uint32_t>(p));
                level_start += level_size;
                level_size *= fan;
            }
        }
        const std::size_t n = parent_of.size() + 1;
        parent_slot_.assign(n, 0);
        std::copy(parent_of.begin(), parent_of.end(), parent_slot_.begin() + 1);
        next_kid_.assign(n, 0);
        slot_id_.assign(n, 0);
        first.assign(n + 1, 0);
        for (std::uint32_t p : parent_of) ++first[p + 1];
        for (std::size_t i = 1; i <= n; ++i) first[i] += first[i - 1];
        kids.resize(parent_of.size());
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < parent_of.size(); ++i) kids[fill[parent_of[i]]++] = static_cast<std::uint32_t>(i + 1);
        // What the run appends once per context or leaf, sized now: at a million
        // contexts each doubling would copy megabytes into freshly faulted pages.
        // (Bounded by the tree, which is already in memory: not by --calls, which
        // may ask for more calls than there is room to list.)
        std::size_t leaf_slots = 0;
        for (std::size_t p = 1; p < n; ++p) leaf_slots += first[p + 1] == first[p];
        leaves.reserve(leaf_slots);
        intermediates.reserve(n - 1 - leaf_slots);
        rep.connects.latencies.reserve(n - 1);
        if (wl.calls_per_leaf) rep.calls.latencies.reserve(leaf_slots);
        for (std::uint32_t slot = 1; slot < n; ++slot) planned_tasks += 1 + own_tasks(slot);
    }

    void connected(std::optional<ContextId> id, std::uint32_t slot) {
        if (!id) {
            unplan_subtree(slot);
        } else if (!children_of(slot).empty()) {
            intermediates.push_back(*id);
            build(*id, slot);
        } else {
            leaves.push_back(*id);
        }
        if (wl.sequential_connects) connect_in_order();
        else connect_next(parent_slot_[slot]);
        if (--pending_connects == 0) built();
    }

    // --sequential-connects: the next context in tree order whose parent is up
    // (the subtree of a context that failed to connect is skipped).
    std::uint32_t next_in_order_ = 1;
    void connect_in_order() {
        while (next_in_order_ < parent_slot_.size()) {
            const std::uint32_t slot = next_in_order_++;
            const std::uint32_t p = parent_slot_[slot];
            if (p == 0 || slot_id_[p] != 0) {
                connect_slot(slot);
                return;
            }
        }
    }

    // A parent has at most connect_window of its children's connects in flight
    // (parents work at the same time): its main thread stays busy, and it holds no
    // queue of a hundred _proxy_connect calls.
    void build(ContextId parent, std::uint32_t parent_slot) {
        slot_id_[parent_slot] = parent;
        if (wl.sequential_connects) {
            if (parent_slot == 0) connect_in_order();
            return;
        }
        const std::size_t n = children_of(parent_slot).size();
        const std::size_t window = wl.connect_window ? std::min<std::size_t>(wl.connect_window, n) : n;
        for (std::size_t i = 0; i < window; ++i) connect_next(parent_slot);
    }

    void connect_next(std::uint32_t parent_slot) {
        const auto kids_of = children_of(parent_slot);
        if (next_kid_[parent_slot] == kids_of.size()) return;
        connect_slot(kids_of[next_kid_[parent_slot]++]);
    }

    void connect_slot(std::uint32_t slot) {
        const ContextId parent = slot_id_[parent_slot_[slot]];
        ++pending_connects;
        if (parent != 0) {
            track(rep.connects, parent, proxy_connect_call, Then::connected, slot);
            return;
        }
        ++rep.connects.started;
        ++total_tasks;
        sim.master().spawn_child("", [this, slot](std::optional<ContextId> id, StreamId) {
            ++(id ? rep.connects.ok : rep.connects.call_errors);
            tick();
            connected(id, slot);
        });
    }

    void build_calls() {
        auto c = make_call("mitokit.sim", std::nullopt, "import_modules");
        std::vector<pickle::NodeId> items;
        for (const auto& n : wl.imports) items.push_back(c.doc.str(n));
        c.args = c.doc.tuple({c.doc.seq(pickle::Kind::list, std::move(items))});
        import_call = payload::build_call_function(c);
        log_call = int_call("mitokit.sim", "log", wl.logs_per_leaf);
        allocate_call = int_call("mitokit.sim", "allocate_ids", wl.ids_per_leaf);
    }

    void count_imported(const Reply& r) {
        if (auto n = r.integer()) rep.modules_imported_ok += static_cast<std::uint64_t>(*n);
    }

    void built() {
        std::vector<std::uint32_t>().swap(parent_slot_);
        std::vector<std::uint32_t>().swap(next_kid_);
        std::vector<ContextId>().swap(slot_id_);
        schedule_faults();
        if (wl.preload && !wl.imports.empty() && !intermediates.empty()) {
            pending_work = intermediates.size();
            for (ContextId c : intermediates)
                track(rep.imports, c, import_call, Then::preloaded);
            return;
        }
        leaf_phase();
    }

    bool killed_ = false;
    void leaf_phase() {
        if (!wl.kill.empty() && !killed_) {
            // os._exit(0) to each, as Context.call_no_reply sends it; the calls wait
            // until their subtrees are gone.
            killed_ = true;
            const auto exit_call = int_call("posix", "_exit", 0);
            for (ContextId id : wl.kill) {
                // Sent all the same, as a program would; the report says it went nowhere.
                if (!sim.find(id)) rep.faults.push_back("kill " + std::to_string(id) + ": no such context in the tree");
                sim.master().call_no_reply_pickled(id, exit_call);
            }
            sim.scheduler().after(wl.kill_wait, [this] { leaf_phase(); });
            return;
        }
        leaf_cpu0 = process_cpu_s();
        leaf_hops0 = sim.hops();
        // Built one connect at a time, the leaves connect in ID order already:
        // a check is one pass, a sort of a million IDs is twenty.
        if (!std::is_sorted(leaves.begin(), leaves.end())) std::sort(leaves.begin(), leaves.end());
        if (wl.preload && !wl.imports.empty()) {
            // ModuleResponder.forward_modules: push the set toward every leaf (through
            // the intermediates' caches) before it asks.
            for (ContextId leaf : leaves) sim.master().forward_modules(leaf, wl.imports);
        }
        start_leaves();
    }

    // Starts leaves' calls, in ID order, while the call window has room (all of them
    // without a window); once the last leaf has started, a shutdown is scheduled.
    std::size_t next_leaf_ = 0;
    std::uint64_t leaf_in_flight_ = 0, leaf_peak_ = 0;
    void start_leaves() {
        if (next_leaf_ == leaves.size()) return;
        while (next_leaf_ < leaves.size() && (wl.call_window == 0 || leaf_in_flight_ < wl.call_window)) {
            const ContextId leaf = leaves[next_leaf_++];
            for (std::uint32_t i = 0; i < wl.calls_per_leaf; ++i)
                track(rep.calls, leaf, getpid_call, Then::nothing, 0, true);
            if (!wl.imports.empty())
                track(rep.imports, leaf, import_call, Then::imported, 0, true);
            if (wl.logs_per_leaf) track(rep.calls, leaf, log_call, Then::nothing, 0, true);
            if (wl.ids_per_leaf) track(rep.id_allocations, leaf, allocate_call, Then::nothing, 0, true);
        }
        if (next_leaf_ == leaves.size() && wl.shutdown_at_end) {
            // After everything queued so far has had time to finish.
            sim.scheduler().after(10 * SEC, [this] { sim.master().shutdown(); });
        }
    }

    void schedule_faults() {
        auto& rng = sim.rng();
        const auto add = [&](std::uint32_t n, const char* what, auto fn) {
            for (std::uint32_t i = 0; i < n; ++i) {
                const Time at = rng.below(20 * MS);
                sim.scheduler().after(at, [this, what, fn, at]() mutable {
                    const std::string d = fn();
                    if (!d.empty()) rep.faults.push_back(std::string(what) + " " + d + " at +" + std::to_string(at / US) + "us");
                });
            }
        };
        add(faults.cuts, "cut", [this] {
            if (sim.link_count() == 0) return std::string();
            const auto l = sim.rng().below(sim.link_count());
            sim.cut_link(l);
            return "link " + std::to_string(l);
        });
        add(faults.stalls, "stall", [this] {
            if (sim.link_count() == 0) return std::string();
            const auto l = sim.rng().below(sim.link_count());
            sim.stall_link(l, faults.stall_for);
            return "link " + std::to_string(l);
        });
        add(faults.corruptions, "corrupt", [this] {
            if (sim.link_count() == 0) return std::string();
            const auto l = sim.rng().below(sim.link_count());
            const int d = static_cast<int>(sim.rng().below(2));
            sim.corrupt_next(l, d);
            return "link " + std::to_string(l) + (d ? " child->parent" : " parent->child");
        });
        add(faults.crashes, "crash", [this] {
            if (sim.node_count() < 2) return std::string();
            const auto i = 1 + sim.rng().below(sim.node_count() - 1);
            const ContextId id = sim.node_at(i).id();
            sim.crash(id);
            return "context " + std::to_string(id);
        });
    }
};

// Resident memory now, after handing freed heap pages back: what the (idle)
// tree itself holds, without the peaks of the bursts that built it.
std::uint64_t settled_rss() {
    malloc_trim(0);
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, resident = 0;
    const int got = std::fscanf(f, "%llu %llu", &size, &resident);
    std::fclose(f);
    return got == 2 ? resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

std::uint64_t peak_rss() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
}

void check_calls(const char* what, const CallStats& c, std::vector<std::string>& v) {
    const auto ended = c.ok + c.call_errors + c.dead;
    if (ended != c.started)
        v.push_back(std::string(what) + ": " + std::to_string(c.started - ended) + " of " + std::to_string(c.started) +
                    " never ended");
}

// Messages the run sent with handle `h` (0 when none).
std::uint64_t messages_of(const Report& r, std::uint32_t h) {
    const auto it = r.per_handle.find(h);
    return it == r.per_handle.end() ? 0 : it->second.messages;
}

// A bad line as an error shows it: quoted, its first 40 bytes, other than
// printable ASCII as \xNN escapes (a tree file may hold anything).
std::string shown(std::string_view line) {
    constexpr std::size_t SHOWN = 40;
    std::string out = "'";
    for (const char ch : line.substr(0, SHOWN)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u >= 0x20 && u < 0x7f && ch != '\'' && ch != '\\') {
            out += ch;
        } else {
            char esc[5];
            std::snprintf(esc, sizeof esc, "\\x%02x", u);
            out += esc;
        }
    }
    out += '\'';
    if (line.size() > SHOWN) out += "... (" + std::to_string(line.size()) + " bytes)";
    return out;
}

} // namespace

Result<std::vector<std::uint32_t>> parse_tree(std::string_view text) {
    std::vector<std::uint32_t> parents;
    std::size_t lineno = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++lineno;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
        if (line.empty()) continue;
        std::uint64_t v = 0;
        for (char ch : line) {
            if (ch < '0' || ch > '9' || v > 100000000)
                return make_error(Errc::usage, "tree line " + std::to_string(lineno) + ": expected a parent number, got " +
                                                   shown(line));
            v = v * 10 + static_cast<std::uint64_t>(ch - '0');
        }
        if (v > parents.size())
            return make_error(Errc::usage, "tree line " + std::to_string(lineno) + " (context " +
                                               std::to_string(parents.size() + 1) + "): parent " + std::to_string(v) +
                                               " does not come before it");
        parents.push_back(static_cast<std::uint32_t>(v));
    }
    return parents;
}

double percentile_us(std::vector<Time> v, double p) {
    if (v.empty()) return 0;
    const auto idx = std::min(static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5), v.size() - 1);
    // Only the rank is needed, not a sorted million.
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
    return static_cast<double>(v[idx]) / 1000.0;
}

Report run_workload(Simulation& sim, const WorkloadConfig& wl, const FaultConfig& faults, const Progress& progress) {
    const auto w0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_s();
    const std::uint64_t hops0 = sim.hops(); // a simulation may have run before
    Report rep;
    Driver d(sim, wl, faults, rep);
    d.plan_tree();
    sim.reserve(sim.node_count() + d.slots() - 1);
    if (!d.children_of(0).empty()) d.build(0, 0);
    else d.built();
    // Run in slices so a progress callback can draw.
    const std::uint64_t slice = std::max<std::uint64_t>(wl.progress_every_events, 1);
    while (!sim.scheduler().empty()) {
        sim.scheduler().run(UINT64_MAX, slice);
        if (progress && !sim.scheduler().empty()) progress(d.progress());
    }
    if (progress) progress(d.progress());
    rep.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    const double cpu1 = process_cpu_s();
    rep.run_cpu_s = cpu1 - cpu0;
    if (d.leaf_cpu0 >= 0) {
        rep.build_cpu_s = d.leaf_cpu0 - cpu0;
        rep.build_hops = d.leaf_hops0 - hops0;
        rep.leaf_cpu_s = cpu1 - d.leaf_cpu0;
        rep.leaf_hops = sim.hops() - d.leaf_hops0;
    }
    rep.leaf_calls_peak = d.leaf_peak_;
    rep.peak_rss_bytes = peak_rss();
    sim.trim();
    rep.settled_rss_bytes = settled_rss();
    rep.contexts = sim.node_count();
    rep.alive = sim.alive_count();
    rep.event_hash = sim.events().hash();
    rep.events = sim.events().count();
    rep.scheduler_events = sim.scheduler().executed();
    rep.sim_time_s = static_cast<double>(sim.now()) / SEC;
    rep.hops = sim.hops();
    rep.bytes = sim.link_totals();
    rep.per_handle = sim.per_handle();
    rep.log_records = sim.log_records();
    rep.notes = sim.notes();
    for (std::size_t i = 0; i < sim.node_count(); ++i) rep.node_memory_bytes += sim.node_at(i).memory_estimate();
    // Invariants, at quiescence.
    check_calls("calls", rep.calls, rep.violations);
    check_calls("connects", rep.connects, rep.violations);
    check_calls("imports", rep.imports, rep.violations);
    check_calls("id allocations", rep.id_allocations, rep.violations);
    if (sim.in_flight_segments() != 0)
        rep.violations.push_back(std::to_string(sim.in_flight_segments()) + " segments still in flight");
    if (rep.bytes.bytes_written != rep.bytes.bytes_delivered + rep.bytes.bytes_dropped)
        rep.violations.push_back("bytes not conserved: written " + std::to_string(rep.bytes.bytes_written) +
                                 " != delivered " + std::to_string(rep.bytes.bytes_delivered) + " + dropped " +
                                 std::to_string(rep.bytes.bytes_dropped));
    if (sim.master().alive() && sim.master().pending_replies() != 0)
        rep.violations.push_back(std::to_string(sim.master().pending_replies()) + " receivers still waiting at the master");
    for (auto& s : sim.stale_routes()) rep.violations.push_back(std::move(s));
    for (auto& s : sim.route_cache_violations()) rep.violations.push_back(std::move(s));
    return rep;
}

std::string report_json(const Report& r) {
    std::string o = "{";
    char buf[256];
    const auto kv = [&](const char* k, const std::string& v, bool comma = true) {
        o += json_str(k) + ":" + v + (comma ? "," : "");
    };
    const auto num = [](double v) {
        char b[64];
        std::snprintf(b, sizeof b, "%.6g", v);
        return std::string(b);
    };
    const auto u = [](std::uint64_t v) { return std::to_string(v); };
    const auto calls = [&](const CallStats& c) {
        return "{\"started\":" + u(c.started) + ",\"ok\":" + u(c.ok) + ",\"call_errors\":" + u(c.call_errors) +
               ",\"dead\":" + u(c.dead) + ",\"p50_us\":" + num(percentile_us(c.latencies, 50)) +
               ",\"p99_us\":" + num(percentile_us(c.latencies, 99)) + "}";
    };
    kv("contexts", u(r.contexts));
    kv("alive", u(r.alive));
    std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(r.event_hash));
    kv("event_hash", buf);
    kv("events", u(r.events));
    kv("scheduler_events", u(r.scheduler_events));
    kv("sim_time_s", num(r.sim_time_s));
    kv("wall_s", num(r.wall_s));
    kv("run_cpu_s", num(r.run_cpu_s));
    {
        const auto rate = [](std::uint64_t hops, double s) { return s > 0 ? static_cast<double>(hops) / s : 0.0; };
        std::string ph = "{\"build\":{\"hops\":" + u(r.build_hops) + ",\"cpu_s\":" + num(r.build_cpu_s) +
                         ",\"hops_per_cpu_s\":" + num(rate(r.build_hops, r.build_cpu_s)) + "},\"leaf_calls\":{\"hops\":" +
                         u(r.leaf_hops) + ",\"cpu_s\":" + num(r.leaf_cpu_s) + ",\"hops_per_cpu_s\":" +
                         num(rate(r.leaf_hops, r.leaf_cpu_s)) + ",\"calls_in_flight_peak\":" + u(r.leaf_calls_peak) + "}}";
        kv("hops_per_cpu_s", num(rate(r.hops, r.run_cpu_s)));
        kv("phases", ph);
    }
    kv("peak_rss_bytes", u(r.peak_rss_bytes));
    kv("settled_rss_bytes", u(r.settled_rss_bytes));
    kv("node_memory_bytes", u(r.node_memory_bytes));
    kv("message_hops", u(r.hops));
    kv("bytes", "{\"written\":" + u(r.bytes.bytes_written) + ",\"delivered\":" + u(r.bytes.bytes_delivered) +
                    ",\"dropped\":" + u(r.bytes.bytes_dropped) + "}");
    std::string ph = "{";
    bool first = true;
    for (const auto& [h, st] : r.per_handle) {
        const auto name = handle_name(h);
        ph += (first ? "" : ",") + json_str(h == handle::FIRST_DYNAMIC ? std::string("reply")
                                                        : name.empty() ? std::to_string(h) : std::string(name)) +
              ":{\"messages\":" + u(st.messages) + ",\"bytes\":" + u(st.bytes) + "}";
        first = false;
    }
    kv("per_handle", ph + "}");
    kv("calls", calls(r.calls));
    kv("connects", calls(r.connects));
    const auto gm = messages_of(r, handle::GET_MODULE);
    const auto lm = messages_of(r, handle::LOAD_MODULE);
    kv("imports", "{\"calls\":" + calls(r.imports) + ",\"modules_ok\":" + u(r.modules_imported_ok) +
                      ",\"get_module_hops\":" + u(gm) + ",\"load_module_hops\":" + u(lm) + "}");
    const auto ai = messages_of(r, handle::ALLOCATE_ID);
    kv("id_allocations", "{\"calls\":" + calls(r.id_allocations) + ",\"allocate_id_hops\":" + u(ai) + "}");
    kv("log_records", u(r.log_records));
    std::string notes = "{";
    for (std::size_t i = 0; i < r.notes.size(); ++i)
        notes += (i ? "," : "") + json_str(note_name(static_cast<Note>(i))) + ":" + u(r.notes[i]);
    kv("notes", notes + "}");
    std::string f = "[";
    for (std::size_t i = 0; i < r.faults.size(); ++i) f += (i ? "," : "") + json_str(r.faults[i]);
    kv("faults", f + "]");
    std::string v = "[";
    for (std::size_t i = 0; i < r.violations.size(); ++i) v += (i ? "," : "") + json_str(r.violations[i]);
    kv("invariants", std::string("{\"ok\":") + (r.violations.empty() ? "true" : "false") + ",\"violations\":" + v + "]}",
       false);
    return o + "}";
}

std::string report_text(const Report& r) {
    std::string o;
    char b[512];
    std::snprintf(b, sizeof b,
                  "contexts %llu (alive %llu)  event hash %016llx  events %llu\n"
                  "simulated %.3f s  wall %.3f s  peak RSS %.1f MiB  node memory %.0f B/context\n"
                  "message hops %llu  bytes written %llu delivered %llu dropped %llu\n",
                  (unsigned long long)r.contexts, (unsigned long long)r.alive, (unsigned long long)r.event_hash,
                  (unsigned long long)r.events, r.sim_time_s, r.wall_s, r.peak_rss_bytes / 1048576.0,
                  r.contexts ? double(r.node_memory_bytes) / double(r.contexts) : 0.0, (unsigned long long)r.hops,
                  (unsigned long long)r.bytes.bytes_written, (unsigned long long)r.bytes.bytes_delivered,
                  (unsigned long long)r.bytes.bytes_dropped);
    o += b;
    std::snprintf(b, sizeof b, "routing %.0f hops per CPU second (run %.3f s CPU; build %.0f/s, leaf calls %.0f/s)\n",
                  r.run_cpu_s > 0 ? double(r.hops) / r.run_cpu_s : 0.0, r.run_cpu_s,
                  r.build_cpu_s > 0 ? double(r.build_hops) / r.build_cpu_s : 0.0,
                  r.leaf_cpu_s > 0 ? double(r.leaf_hops) / r.leaf_cpu_s : 0.0);
    o += b;
    o += "per handle:\n";
    for (const auto& [h, st] : r.per_handle) {
        const auto name = handle_name(h);
        std::snprintf(b, sizeof b, "  %-16s %10llu msgs %12llu bytes\n",
                      h == handle::FIRST_DYNAMIC ? "reply" : name.empty() ? "?" : std::string(name).c_str(),
                      (unsigned long long)st.messages, (unsigned long long)st.bytes);
        o += b;
    }
    const auto line = [&](const char* what, const CallStats& c) {
        std::snprintf(b, sizeof b, "%-9s started %llu ok %llu errors %llu dead %llu  latency p50 %.1f us p99 %.1f us\n",
                      what, (unsigned long long)c.started, (unsigned long long)c.ok, (unsigned long long)c.call_errors,
                      (unsigned long long)c.dead, percentile_us(c.latencies, 50), percentile_us(c.latencies, 99));
        o += b;
    };
    line("connects", r.connects);
    line("calls", r.calls);
    line("imports", r.imports);
    if (r.id_allocations.started) line("ids", r.id_allocations);
    const auto gm = messages_of(r, handle::GET_MODULE);
    std::snprintf(b, sizeof b, "modules imported %llu  GET_MODULE hops %llu  log records %llu\n",
                  (unsigned long long)r.modules_imported_ok, (unsigned long long)gm, (unsigned long long)r.log_records);
    o += b;
    for (const auto& f : r.faults) o += "fault: " + f + "\n";
    std::uint64_t silent = r.notes[static_cast<std::size_t>(Note::bad_auth_drop)] +
                           r.notes[static_cast<std::size_t>(Note::bad_src_drop)] +
                           r.notes[static_cast<std::size_t>(Note::dead_dropped)];
    std::snprintf(b, sizeof b, "silent drops (as the reference drops them): %llu\n", (unsigned long long)silent);
    o += b;
    if (r.violations.empty()) o += "invariants: ok\n";
    for (const auto& v : r.violations) o += "INVARIANT VIOLATED: " + v + "\n";
    return o;
}

std::string tree_dot(Simulation& sim) {
    std::string o = "digraph mitogen {\n  node [shape=box];\n";
    for (std::size_t i = 0; i < sim.node_count(); ++i) {
        Node& n = sim.node_at(i);
        o += "  c" + std::to_string(n.id()) + " [label=\"" + std::to_string(n.id()) + "\"" +
             (n.alive() ? "" : ", style=dashed") + "];\n";
        if (!n.parent_ids().empty())
            o += "  c" + std::to_string(n.parent_ids()[0]) + " -> c" + std::to_string(n.id()) + ";\n";
    }
    return o + "}\n";
}

} // namespace mitokit::sim
