// A message as a Node handles it: the decoded header and its own copy of the data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"

namespace mitokit::sim {

using ContextId = std::uint32_t;
using StreamId = std::uint32_t; // index into one Node's own stream table
inline constexpr StreamId NO_STREAM = 0xffffffffu;

struct Message {
    Header h;
    std::vector<std::uint8_t> data;

    bool is_dead() const noexcept { return h.reply_to == handle::IS_DEAD; }
    std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(data.data()), data.size()};
    }
};

inline std::vector<std::uint8_t> to_bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

} // namespace mitokit::sim
