// Every fuzz target is a plain function so that one binary can replay all the
// regression inputs in the normal (g++, no libFuzzer) build. A harness returns 0;
// it reports a broken invariant by calling fuzz_fail(), which prints the reason
// and aborts so that libFuzzer (and the replay test) record the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mitokit::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

struct Target {
    std::string_view name;
    TargetFn fn;
};

[[noreturn]] void fuzz_fail(std::string_view what);

inline void fuzz_check(bool ok, std::string_view what) {
    if (!ok) fuzz_fail(what);
}

} // namespace mitokit::fuzz
