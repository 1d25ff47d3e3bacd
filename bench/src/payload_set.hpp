// The pickle payloads the benchmarks run on: the simulator's payloads in
// bench/data/*.bin (named "sim/<stem>"), CALL_FUNCTION, LOAD_MODULE and reply
// payloads from shared/payloads/*.bin and the pickled frames of shared/vectors/*.jsonl.
// bench/run.py builds the same list with the same names for CPython.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mitokit::bench {

struct Payload {
    std::string name; // "payloads/call_function", "v0.3.52/load_module_pkg"
    std::vector<std::uint8_t> bytes;
};

// Directory: MITOKIT_SHARED_DIR env var, else the configured shared dir.
std::string shared_dir();
// bench/data: MITOKIT_BENCH_DATA_DIR env var, else the source tree's folder.
std::string data_dir();
std::vector<Payload> load_payloads(const std::string& shared);

} // namespace mitokit::bench
