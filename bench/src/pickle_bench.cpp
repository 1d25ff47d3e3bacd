// Pickle decode and encode of real payloads, registered per payload at start-up.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "payload_set.hpp"

namespace mitokit::bench {

// Times `op` (a Status-returning step on the payload) per iteration; an error
// ends the benchmark with its message.
template <class Op>
void time_each(benchmark::State& state, const Payload& p, Op op) {
    for (auto _ : state) {
        const auto st = op();
        if (!st) {
            state.SkipWithError(st.error().message.c_str());
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.bytes.size()));
}

void register_pickle_benchmarks() {
    static const std::vector<Payload> payloads = load_payloads(shared_dir());
    for (const auto& p : payloads) {
        benchmark::RegisterBenchmark(("BM_PickleDecode/" + p.name).c_str(), [&p](benchmark::State& state) {
            pickle::Document doc;
            time_each(state, p, [&] {
                auto st = pickle::decode(p.bytes, doc);
                benchmark::DoNotOptimize(doc.size());
                return st;
            });
        });
        // What the simulator calls per CALL_FUNCTION: decode plus the payload's
        // checks, into one reused CallFunction as its scratch keeps one.
        if (p.name.find("/call_function") != std::string::npos)
            benchmark::RegisterBenchmark(("BM_ParseCallFunction/" + p.name).c_str(), [&p](benchmark::State& state) {
                payload::CallFunction call;
                time_each(state, p, [&] {
                    auto st = payload::parse_call_function(p.bytes, call);
                    benchmark::DoNotOptimize(call.kwargs);
                    return st;
                });
            });
        benchmark::RegisterBenchmark(("BM_PickleEncode/" + p.name).c_str(), [&p](benchmark::State& state) {
            pickle::Document doc;
            const auto st = pickle::decode(p.bytes, doc);
            if (!st) {
                state.SkipWithError(st.error().message.c_str());
                for (auto _ : state) {}
                return;
            }
            std::vector<std::uint8_t> out;
            for (auto _ : state) {
                out.clear();
                for (auto root : doc.roots()) (void)pickle::encode(doc, root, out);
                benchmark::DoNotOptimize(out.data());
            }
            state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.bytes.size()));
        });
    }
}

} // namespace mitokit::bench
