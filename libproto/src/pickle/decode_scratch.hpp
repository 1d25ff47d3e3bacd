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
    std::vector<NodeId> memo;                // dense part, NO_NODE = unset
    std::unordered_map<std::uint64_t, NodeId> memo_sparse;
    std::size_t memo_count = 0;              // len(memo), what MEMOIZE uses
    std::vector<std::uint32_t> depth;        // container nesting per node, 0 = leaf
    std::vector<NodeId> args;
    std::string text;
    KeyIndex keys;
};

} // namespace mitokit::pickle::detail
