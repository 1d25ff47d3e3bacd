// The simulator's router fed fuzzer-chosen frames (and raw garbage) on
// fuzzer-chosen streams of a small tree: master 0, children 1 and 2, grandchild 3
// under 1. Invariants after the run: no live context keeps a route to a dead one,
// every context's route shortcuts agree with its route table, nothing is left in
// flight, and the master is still alive (no peer can kill it by
// sending bytes: bad streams are dropped, not the process). Routes to IDs that never
// existed are allowed: a child's ADD_ROUTE is taken on trust, as in the reference.
// So are stale routes once a stream is left inside a frame by injected bytes: the
// DEL_ROUTE that should clear them is swallowed by the bogus frame (a header of
// garbage whose length is within the limit waits for bytes that never come, or
// takes the real frames after it as its body and is then dropped), which the
// reference's stream does the same way. And so are stale routes once a
// DEL_ROUTE has been dropped or refused (a bad auth_id or src_id, or the wrong
// stream; the reference logs an ERROR and drops it the same way): a context that
// sends a DEL_ROUTE for itself makes its parents forget their route to it, after
// which its own DEL_ROUTEs for its descendants fail the auth_id check. Likewise once a
// context has lost its route to its parent while alive: a child's ADD_ROUTE for the
// parent's own ID is taken (0.3.3 accepts it, as the current route is the parent's), and
// goes with that child's stream; its DEL_ROUTEs then have nowhere to go, as the
// reference's _propagate_up sends nothing when stream_by_id(parent) is None. And
// routes to a context that an injected ADD_ROUTE named (a sibling, say): the
// contexts it passes take it on trust, as 0.3.3 does whenever their current route
// for that ID is the parent's (or, at the master, when there is none: the named
// context may have just died). When that context dies, or is already dead, no
// DEL_ROUTE reaches them: the reference sends DEL_ROUTE down only on streams whose
// peers sent to it, and up only from the stream that carried the route.
#include <FuzzedDataProvider.h>

#include <memory>
#include <set>
#include <string>

#include "harness.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/sim/calls.hpp"
#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/simulation.hpp"

namespace mitokit::fuzz {
namespace {

using namespace mitokit::sim;

struct Tree {
    FunctionRegistry functions = FunctionRegistry::standard();
    NodeShared shared;
    std::unique_ptr<Simulation> sim;

    explicit Tree(std::uint64_t seed) {
        functions.add_builtin_module("mitogen.parent");
        shared.functions = &functions;
        shared.max_message_size = 1u << 16;
        SimConfig cfg;
        cfg.seed = seed;
        cfg.keep_event_lines = true; // to see which frames were dropped
        cfg.prefetch_from_contexts = 1; // the hints read segments and tables ahead: under the sanitizers too
        sim = std::make_unique<Simulation>(cfg, shared);
        for (int i = 0; i < 2; ++i) {
            sim->master().spawn_child("", [](std::optional<ContextId>, StreamId) {});
            sim->run();
        }
        // router.local(via=1): _proxy_connect in context 1.
        sim->master().call_async(1, make_call("mitogen.parent", std::nullopt, "_proxy_connect"),
                                 [](Node&, const Message&) {});
        sim->run();
    }
};

constexpr std::uint32_t kIds[] = {0, 1, 2, 3, 4, 1000, 0xffffffffu};
constexpr std::uint32_t kHandles[] = {100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 999,
                                      1000, 1001, 1002, 1003, 5000};
constexpr std::uint32_t kReplyTo[] = {0, 0, 999, 1000, 1001, 1002, 1003};

} // namespace

int fuzz_router(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    Tree t(fdp.ConsumeIntegral<std::uint8_t>());
    fuzz_check(t.sim->node_count() >= 4, "the fuzzing tree did not come up");
    bool desynced = false;
    std::set<ContextId> forged; // IDs named by injected ADD_ROUTEs
    for (int step = 0; step < 64 && fdp.remaining_bytes() > 0; ++step) {
        Node& n = t.sim->node_at(fdp.ConsumeIntegralInRange<std::size_t>(0, t.sim->node_count() - 1));
        if (!n.alive() || n.stream_count() == 0) continue;
        const StreamId s = static_cast<StreamId>(fdp.ConsumeIntegralInRange<std::size_t>(0, n.stream_count() - 1));
        if (!n.stream_open(s)) continue;
        std::vector<std::uint8_t> bytes;
        if (fdp.ConsumeIntegralInRange<int>(0, 15) == 0) {
            bytes = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(0, 64));
        } else {
            Header h;
            h.enc = fdp.PickValueInArray({Encoding::legacy, Encoding::legacy, Encoding::pickle, Encoding::binary});
            h.dst_id = fdp.PickValueInArray(kIds);
            h.src_id = fdp.PickValueInArray(kIds);
            h.auth_id = fdp.ConsumeBool() ? h.src_id : fdp.PickValueInArray(kIds);
            h.handle = fdp.PickValueInArray(kHandles);
            h.reply_to = fdp.PickValueInArray(kReplyTo);
            const auto payload = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(0, 96));
            if (h.handle == handle::ADD_ROUTE)
                if (auto r = payload::parse_route(h.handle, payload)) forged.insert(r->id);
            bytes = encode_frame(h, payload);
        }
        n.receive(s, bytes);
        // Injected bytes that leave the stream inside a frame desynchronise it for good.
        desynced = desynced || (n.alive() && n.stream_mid_frame(s));
        if (fdp.ConsumeBool()) t.sim->run();
    }
    t.sim->run();
    bool wedged = desynced;
    for (std::size_t i = 0; i < t.sim->node_count(); ++i) {
        Node& n = t.sim->node_at(i);
        for (StreamId s = 0; n.alive() && s < n.stream_count(); ++s) wedged = wedged || n.stream_mid_frame(s);
    }
    bool parent_route_lost = false;
    for (std::size_t i = 0; i < t.sim->node_count(); ++i) {
        const Node& n = t.sim->node_at(i);
        if (const auto pid = n.parent_id(); n.alive() && pid && !n.route_for(*pid)) parent_route_lost = true;
    }
    bool del_route_refused = false;
    for (const std::string& line : t.sim->events().lines())
        del_route_refused = del_route_refused || line.find(" bad_del_route ") != std::string::npos ||
                            ((line.find(" bad_auth_drop ") != std::string::npos ||
                              line.find(" bad_src_drop ") != std::string::npos) &&
                             line.find(" h=104 ") != std::string::npos);
    // A route to an ID that never existed is the reference's behaviour too: it takes an
    // immediate child's ADD_ROUTE on trust. A route to a context that existed and died is a bug.
    for (std::size_t i = 0; i < t.sim->node_count(); ++i) {
        Node& n = t.sim->node_at(i);
        if (!n.alive() || wedged || del_route_refused || parent_route_lost) continue;
        for (ContextId id : n.routes()) {
            const Node* target = t.sim->find(id);
            fuzz_check(!target || target->alive() || forged.contains(id), "context " + std::to_string(n.id()) +
                                                       " still routes to dead context " + std::to_string(id));
        }
    }
    for (const auto& v : t.sim->route_cache_violations()) fuzz_check(false, v);
    fuzz_check(t.sim->in_flight_segments() == 0, "segments still in flight after the run");
    fuzz_check(t.sim->master().alive(), "bytes from a peer killed the master");
    return 0;
}

} // namespace mitokit::fuzz
