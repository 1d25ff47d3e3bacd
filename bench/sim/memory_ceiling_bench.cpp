// The machine's ceiling for cold hops: random cache-line reads from a buffer the
// size of a big run's heap (512 MiB, and 1.5 GiB as at a million contexts), with
// 4 KiB pages and with transparent huge pages (madvise). A hop
// through a context that is not in cache touches about a dozen such lines (its
// Node, stream, route entry, link, segment bytes), so lines per second over
// lines per hop bounds the hop rate whatever the code does. Independent reads
// show how many misses the core overlaps; a dependent chain shows the latency.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <vector>

#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {
namespace {


struct FreeDeleter {
    void operator()(void* p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<std::uint64_t[], FreeDeleter>;

// Each line's first word holds the index of the next line of one random cycle
// through all lines.
Buffer make_buffer(bool huge, std::size_t bytes) {
    const std::size_t lines = bytes / 64;
    Buffer b(static_cast<std::uint64_t*>(std::aligned_alloc(std::size_t{2} << 20, bytes)));
    if (!b) return b;
    (void)madvise(b.get(), bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::vector<std::uint32_t> order(lines);
    std::iota(order.begin(), order.end(), 0u);
    Rng rng(7);
    for (std::size_t i = lines - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (std::size_t i = 0; i < lines; ++i) b[std::size_t{order[i]} * 8] = order[(i + 1) % lines];
    return b;
}

std::size_t mib(const benchmark::State& state) { return static_cast<std::size_t>(state.range(1)) << 20; }

void BM_RandomLineReads(benchmark::State& state) {
    const Buffer b = make_buffer(state.range(0) != 0, mib(state));
    if (!b) return state.SkipWithError("cannot allocate the buffer");
    std::vector<std::uint32_t> at(1u << 22);
    Rng rng(11);
    for (auto& x : at) x = static_cast<std::uint32_t>(rng.below(mib(state) / 64));
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        for (int k = 0; k < 64; ++k) sum += b[std::size_t{at[i++ & (at.size() - 1)]} * 8];
    }
    benchmark::DoNotOptimize(sum);
    state.counters["lines_per_s"] = benchmark::Counter(64.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RandomLineReads)->ArgNames({"huge_pages", "MiB"})->ArgsProduct({{0, 1}, {512, 1536}});

void BM_DependentLineReads(benchmark::State& state) {
    const Buffer b = make_buffer(state.range(0) != 0, mib(state));
    if (!b) return state.SkipWithError("cannot allocate the buffer");
    std::uint64_t p = 0;
    for (auto _ : state) {
        for (int k = 0; k < 64; ++k) p = b[p * 8];
    }
    benchmark::DoNotOptimize(p);
    state.counters["ns_per_read"] =
        benchmark::Counter(64.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DependentLineReads)->ArgNames({"huge_pages", "MiB"})->ArgsProduct({{0, 1}, {512, 1536}});

} // namespace
} // namespace mitokit::sim
