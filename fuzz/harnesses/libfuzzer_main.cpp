// libFuzzer entry point; MITOKIT_FUZZ_FN names the target function (set by CMake).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mitokit::fuzz::MITOKIT_FUZZ_FN(data, size);
}
