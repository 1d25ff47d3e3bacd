// The "mitogen" tap and its stats_tree (-z mitogen,tree): messages and bytes
// per handle and per context pair.
#pragma once

#include <cstdint>

namespace mitokit::ws {

// Queued once per dissected message (in pinfo->pool).
struct TapRecord {
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    std::uint32_t handle = 0;
    std::uint32_t reply_to = 0;
    std::uint32_t length = 0; // payload bytes
};

void register_stats_tree();

} // namespace mitokit::ws
