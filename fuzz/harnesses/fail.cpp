#include <cstdio>
#include <cstdlib>

#include "harness.hpp"

namespace mitokit::fuzz {

void fuzz_fail(std::string_view what) {
    std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
}

} // namespace mitokit::fuzz
