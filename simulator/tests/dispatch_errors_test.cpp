// A context's answers to malformed and odd CALL_FUNCTION and CALL_SERVICE
// payloads, against what mitogen 0.3.3's own code answers to the same bytes
// (scripts/dispatch_oracle.py runs Message.unpickle, Dispatcher._parse_request,
// the call, Pool._validate and Activator.activate under CPython).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "mitokit/handles.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "sim_fixture.hpp"

namespace mitokit::sim::testing {
namespace {

struct Case {
    std::uint32_t handle = 0;
    std::vector<std::uint8_t> payload;
    std::string want;
};

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::vector<Case> oracle_cases() {
    const std::string cmd = std::string(MITOKIT_PYTHON) + " " MITOKIT_SOURCE_DIR "/simulator/tests/scripts/dispatch_oracle.py";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::vector<Case> out;
    if (!p) return out;
    std::string line;
    for (int ch; (ch = std::fgetc(p)) != EOF;) {
        if (ch != '\n') {
            line += static_cast<char>(ch);
            continue;
        }
        const auto a = line.find('\t'), b = line.find('\t', a + 1);
        if (a != std::string::npos && b != std::string::npos)
            out.push_back({static_cast<std::uint32_t>(std::stoul(line.substr(0, a))), from_hex(line.substr(a + 1, b - a - 1)),
                           line.substr(b + 1)});
        line.clear();
    }
    ::pclose(p);
    return out;
}

// The reply's CallError text (first line), "ok" for a value, or what else came.
std::string answer_text(const Reply& r) {
    if (r.call_error) return r.call_error->substr(0, r.call_error->find('\n'));
    if (!r.dead_reason.empty()) return "dead: " + r.dead_reason;
    return "ok";
}

std::string sent(World& w, ContextId child, const Case& c) {
    std::string got = "no answer";
    const auto on_reply = [&](Node&, const Message& m) { got = answer_text(read_reply(m)); };
    if (c.handle == handle::CALL_FUNCTION) {
        w.sim->master().call_async_pickled(child, c.payload, on_reply);
    } else {
        Message m;
        m.h.dst_id = child;
        m.h.src_id = m.h.auth_id = 0;
        m.h.handle = c.handle;
        m.h.reply_to = w.sim->master().add_reply_handler(child, on_reply);
        m.data = c.payload;
        w.sim->master().route(std::move(m));
    }
    w.sim->run();
    return got;
}

TEST(DispatchErrors, AnswersAsTheReferenceDoes) {
    const auto cases = oracle_cases();
    ASSERT_GE(cases.size(), 80u) << "the CPython oracle gave too few cases";
    World w;
    const ContextId child = w.spawn_from_master();
    ASSERT_NE(child, 0u);
    std::size_t service = 0;
    for (const auto& c : cases) {
        service += c.handle == handle::CALL_SERVICE;
        std::string hex;
        for (auto b : c.payload) {
            char buf[3];
            std::snprintf(buf, sizeof buf, "%02x", b);
            hex += buf;
        }
        EXPECT_EQ(sent(w, child, c), c.want) << "handle " << c.handle << " payload " << hex;
    }
    EXPECT_GE(service, 10u);
}

// Errors raised by the call itself are remembered for the call's chain, as the
// Dispatcher's _error_by_chain_id; those of unpickling, import and lookup are not.
TEST(DispatchErrors, CallErrorsOfAnUnpackedPayloadFailItsChain) {
    World w;
    const ContextId child = w.spawn_from_master();
    // (chain, modname, None, 'getpid', args, Kwargs({})) to posix.getpid.
    const auto run = [&](const char* chain, bool module_bytes, bool args_int) {
        pickle::Document d;
        const auto mod = module_bytes ? d.bytes("posix") : d.str("posix");
        const auto args = args_int ? d.integer(5) : d.tuple({});
        const auto root = d.tuple({d.str(chain), mod, d.none(), d.str("getpid"), args, d.seq(pickle::Kind::kwargs, {})});
        Case c{handle::CALL_FUNCTION, {}, {}};
        EXPECT_TRUE(pickle::encode(d, root, c.payload));
        return sent(w, child, c);
    };
    const std::string err = "builtins.TypeError: posix.getpid() argument after * must be an iterable, not int";
    EXPECT_EQ(run("c1", false, true), err);
    EXPECT_EQ(run("c1", false, false), err); // a good call on the failed chain
    EXPECT_EQ(run("c2", true, false), "builtins.TypeError: module name must be a string");
    EXPECT_EQ(run("c2", false, false), "ok"); // failed before the call: the chain is clean
}

// Router.local(via=ctx, name=...): Context.name is the name asked for; with none,
// the stream's default ("local.<id>" here, the PID's place).
TEST(DispatchErrors, ProxyConnectAnswersTheNameAskedFor) {
    World w;
    const ContextId via = w.spawn_from_master();
    const auto name_of = [&](const Reply& r) -> std::string {
        if (!r.ok()) return "failed";
        const auto& d = r.doc[r.root];
        return r.doc[d.items.at(3)].kind == pickle::Kind::str ? r.doc[d.items.at(3)].s : "not a str";
    };
    auto named = make_call("mitogen.parent", std::nullopt, "_proxy_connect");
    named.kwargs = named.doc.seq(pickle::Kind::kwargs, {named.doc.str("name"), named.doc.str("grandchild"),
                                                        named.doc.str("method_name"), named.doc.str("local")});
    EXPECT_EQ(name_of(w.call(via, named)), "grandchild");
    const Reply r = w.call(via, make_call("mitogen.parent", std::nullopt, "_proxy_connect"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(name_of(r), "local." + std::to_string(r.doc[r.doc[r.root].items.at(1)].i));
}

} // namespace
} // namespace mitokit::sim::testing
