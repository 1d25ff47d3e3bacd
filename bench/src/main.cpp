#include <benchmark/benchmark.h>

namespace mitokit::bench {
void register_pickle_benchmarks();
}

int main(int argc, char** argv) {
    mitokit::bench::register_pickle_benchmarks();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
