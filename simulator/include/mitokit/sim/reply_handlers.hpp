// A context's dynamic (reply) handles: a slab of handlers found through an
// IdMap, so a master waiting on a million replies holds no node per entry. A
// context holds a table only while it waits on a reply; the tables come from
// and go back to NodeScratch, so the usual one-reply wait allocates nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "mitokit/sim/id_map.hpp"
#include "mitokit/sim/message.hpp"

namespace mitokit::sim {

class Node;

struct ReplyHandler {
    std::optional<ContextId> respondent;
    bool persist = false;
    std::function<void(Node&, const Message&)> fn;
};

struct ReplyHandlers {
    IdMap index; // handle -> slot
    std::vector<ReplyHandler> slots;
    std::vector<std::uint32_t> free;
    std::size_t size() const noexcept { return index.size(); }
    ReplyHandler* find(std::uint32_t h) {
        const std::uint32_t* s = index.find(h);
        return s ? &slots[*s] : nullptr;
    }
    template <class F>
    void for_each(F&& f) const {
        index.for_each([&](std::uint32_t h, std::uint32_t s) { f(h, slots[s]); });
    }
};

} // namespace mitokit::sim
