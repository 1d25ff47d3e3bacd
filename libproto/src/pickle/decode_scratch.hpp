// The decoder's working storage (kept inside a Document between decodes).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "keys.hpp"
#include "mitokit/pickle/value.hpp"

namespace mitokit::pickle::detail {

struct DecodeScratch {
    std::vector<NodeId> stack;
    std::vector<std::uint32_t> marks;        // stack heights at each MARK
    std::vector<std::uint64_t> memo;         // dense part: generation << 32 | node
    std::uint32_t generation = 0;            // of the current decode
    std::unordered_map<std::uint64_t, NodeId> memo_sparse;
    std::size_t memo_count = 0;              // len(memo), what MEMOIZE uses
    std::vector<NodeId> args;
    std::vector<NodeId> patched;             // instances with a replaced __setstate__
    std::string text;
    KeyIndex keys;
};

} // namespace mitokit::pickle::detail
