// A small simulated tree for tests: master 0 with children, and helpers to call
// functions and inject raw bytes as if a peer had sent them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "mitokit/sim/calls.hpp"
#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/simulation.hpp"

namespace mitokit::sim::testing {

struct World {
    explicit World(std::uint64_t seed = 1, bool unidirectional = false, std::uint32_t max_size = DEFAULT_MAX_MESSAGE_SIZE)
        : functions(FunctionRegistry::standard()) {
        functions.add_builtin_module("mitogen.parent");
        shared.functions = &functions;
        shared.unidirectional = unidirectional;
        shared.max_message_size = max_size;
        SimConfig cfg;
        cfg.seed = seed;
        cfg.keep_event_lines = true;
        sim = std::make_unique<Simulation>(cfg, shared);
    }

    // master.local(): a direct child of the master.
    ContextId spawn_from_master() {
        ContextId got = 0;
        sim->master().spawn_child("", [&](std::optional<ContextId> id, StreamId) { got = id.value_or(0); });
        sim->run();
        return got;
    }

    Reply call(ContextId target, payload::CallFunction c) {
        Reply out;
        bool done = false;
        sim->master().call_async(target, c, [&](Node&, const Message& m) {
            out = read_reply(m);
            done = true;
        });
        sim->run();
        EXPECT_TRUE(done) << "call never finished";
        return out;
    }

    // router.local(via=ctx): _proxy_connect in `via`.
    ContextId spawn_via(ContextId via) {
        auto r = call(via, make_call("mitogen.parent", std::nullopt, "_proxy_connect"));
        if (!r.ok()) {
            ADD_FAILURE() << "proxy connect failed: " << r.dead_reason << r.call_error.value_or("");
            return 0;
        }
        const auto& d = r.doc[r.root];
        return static_cast<ContextId>(r.doc[d.items.at(1)].i);
    }

    std::uint64_t note(Note n) const { return sim->notes()[static_cast<std::size_t>(n)]; }

    FunctionRegistry functions;
    NodeShared shared;
    std::unique_ptr<Simulation> sim;
};

inline std::vector<std::uint8_t> frame(std::uint32_t dst, std::uint32_t src, std::uint32_t auth, std::uint32_t h,
                                       std::uint32_t reply_to, std::vector<std::uint8_t> data) {
    Header hd;
    hd.dst_id = dst;
    hd.src_id = src;
    hd.auth_id = auth;
    hd.handle = h;
    hd.reply_to = reply_to;
    return encode_frame(hd, data);
}

} // namespace mitokit::sim::testing
