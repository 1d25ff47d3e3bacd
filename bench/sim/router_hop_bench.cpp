// One routed hop through a context's router, nothing else: a frame arrives on
// the parent stream, is decoded by the stream's StreamDecoder, goes through
// _async_route's checks and route lookups, and is written on to the child's
// stream (its header encoded and both parts copied, as the simulation's link
// does). No scheduler, event log or pickling: this is the floor under the
// simulation's per-hop cost, for comparison with scale.py's whole-run rate.
#include <benchmark/benchmark.h>

#include <cstring>
#include <deque>
#include <vector>

#include "mitokit/handles.hpp"
#include "mitokit/sim/node.hpp"
#include "mitokit/sim/node_scratch.hpp"

namespace mitokit::sim {
namespace {

class CopyEnv final : public NodeEnv {
public:
    std::vector<std::uint8_t> wire; // the last frame written, as a link would carry it
    std::uint64_t frames = 0;
    Time now() const override { return 0; }
    void write(Node&, StreamId, std::vector<std::uint8_t> bytes) override {
        wire = std::move(bytes);
        ++frames;
    }
    void write_frame(Node&, StreamId, const Header& h, std::span<const std::uint8_t> payload) override {
        const HeaderBytes hb = encode_header(h);
        wire.resize(hb.size() + payload.size());
        std::memcpy(wire.data(), hb.data(), hb.size());
        if (!payload.empty()) std::memcpy(wire.data() + hb.size(), payload.data(), payload.size());
        ++frames;
    }
    void close_stream(Node&, StreamId) override {}
    void defer(Node&, Time, std::function<void()> fn) override { fn(); }
    void note(Node&, Note, const Header*, std::string_view) override {}
    void spawn_child(Node&, ContextId, std::string, std::uint32_t) override {}
    void log_record(Node&, ContextId, std::string_view, int, std::string_view) override {}
    void exited(Node&) override {}
};

// Context 1 (parent 0) with `children` children (IDs 100..), forwarding frames
// from the master to child `children / 2`.
void BM_RouterForwardHop(benchmark::State& state) {
    const auto children = static_cast<std::uint32_t>(state.range(0));
    const auto payload_size = static_cast<std::size_t>(state.range(1));
    CopyEnv env;
    NodeScratch scratch;
    NodeShared shared;
    shared.scratch = &scratch;
    Node node(env, shared, NodeConfig{1, {0}});
    const StreamId up = node.add_stream(0, "parent", StreamStart::frames);
    node.attach_parent(up);
    for (std::uint32_t c = 0; c < children; ++c) node.child_connected(node.add_stream(100 + c, "child"));
    Header h{};
    h.enc = Encoding::legacy;
    h.dst_id = 100 + children / 2;
    h.src_id = 0;
    h.auth_id = 0;
    h.handle = handle::CALL_FUNCTION;
    const std::vector<std::uint8_t> payload(payload_size, 0x2e);
    const std::vector<std::uint8_t> frame = encode_frame(h, payload);
    env.frames = 0;
    for (auto _ : state) {
        node.receive(up, frame);
        benchmark::DoNotOptimize(env.wire.data());
    }
    if (env.frames != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a frame was not forwarded");
    state.counters["hops_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RouterForwardHop)->Args({1, 67})->Args({100, 67})->Args({100, 1024});

// The same hop, each time through another of `contexts` contexts (each with a
// parent and one child), taken in a scattered order: at 100,000 contexts their
// state is not in cache, as at scale in the simulation.
void BM_RouterForwardHopCold(benchmark::State& state) {
    const auto contexts = static_cast<std::uint32_t>(state.range(0));
    CopyEnv env;
    NodeScratch scratch;
    NodeShared shared;
    shared.scratch = &scratch;
    std::deque<Node> nodes;
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::uint32_t i = 0; i < contexts; ++i) {
        Node& n = nodes.emplace_back(env, shared, NodeConfig{1 + i, {0}});
        const StreamId up = n.add_stream(0, "parent", StreamStart::frames);
        n.attach_parent(up);
        n.child_connected(n.add_stream(contexts + 1 + i, "child"));
        Header h{};
        h.enc = Encoding::legacy;
        h.dst_id = contexts + 1 + i;
        h.handle = handle::CALL_FUNCTION;
        frames.push_back(encode_frame(h, std::vector<std::uint8_t>(67, 0x2e)));
    }
    env.frames = 0;
    std::uint32_t i = 0;
    for (auto _ : state) {
        i = (i + 7919) % contexts; // a prime stride: every context, never neighbours
        nodes[i].receive(0, frames[i]);
        benchmark::DoNotOptimize(env.wire.data());
    }
    if (env.frames != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a frame was not forwarded");
    state.counters["hops_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RouterForwardHopCold)->Arg(1000)->Arg(100000);

} // namespace
} // namespace mitokit::sim

BENCHMARK_MAIN();
