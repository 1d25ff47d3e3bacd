#include "mitokit/conformance/peer.hpp"

#include <unistd.h>

#include <memory>

#include "mitokit/conformance/module_plan.hpp"
#include "mitokit/conformance/natives.hpp"
#include "mitokit/conformance/suite.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/runtime/live_env.hpp"
#include "mitokit/sim/calls.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/transport/unix_socket.hpp"

namespace mitokit::conformance {
namespace {

using runtime::Clock;

// What the peer knows without asking: its own standard library.
class NothingLoaded final : public modules::LoadedModules {
public:
    bool loaded(std::string_view) const override { return false; }
    bool stdlib(std::string_view) const override { return false; }
};

std::string json_of(const pickle::Document& d, pickle::NodeId n) {
    std::string out;
    if (auto st = pickle::to_json(d, n, out, pickle::unshared_json_budget(d)); !st) return "(no canonical JSON: " + st.error().message + ")";
    return out;
}

// dict lookup by str key.
pickle::NodeId dict_get(const pickle::Document& d, pickle::NodeId dict, std::string_view key) {
    if (dict == pickle::NO_NODE || d[dict].kind != pickle::Kind::dict) return pickle::NO_NODE;
    const auto& it = d[dict].items;
    for (std::size_t i = 0; i + 1 < it.size(); i += 2)
        if (d[it[i]].kind == pickle::Kind::str && d[it[i]].s == key) return it[i + 1];
    return pickle::NO_NODE;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : "; ") + e;
    return s;
}

struct Session {
    const PeerOptions& opt;
    transport::UnixHello hello;
    sim::DirectorySource own_stdlib{{"/usr/lib/python3.11"}, {"/usr/lib/python3.11"}};
    NothingLoaded nothing;
    sim::ModuleCatalog catalog{own_stdlib, nothing};
    sim::FunctionRegistry fns;
    sim::NodeShared shared;
    runtime::LiveEnv env{runtime::LiveOptions{}};
    std::unique_ptr<sim::Node> node;
    sim::StreamId parent = sim::NO_STREAM;
    std::vector<std::string> gets;  // GET_MODULE names we sent, in order
    std::vector<std::string> loads; // LOAD_MODULE summaries we received, in order
    std::uint64_t alloc_requests = 0;
    std::uint64_t calls_run = 0;

    explicit Session(const PeerOptions& o) : opt(o) {
        fns = sim::FunctionRegistry::standard();
        add_conform_functions(fns);
        shared.functions = &fns;
        shared.modules = &catalog;
    }

    Status join() {
        auto c = transport::unix_connect(opt.socket_path, static_cast<std::uint32_t>(::getpid()),
                                         Clock::now() + opt.connect_timeout);
        if (!c) return std::move(c).error();
        hello = c->hello;
        sim::NodeConfig cfg;
        cfg.id = hello.context_id;
        cfg.parent_ids = {hello.listener_id};
        node = std::make_unique<sim::Node>(env, shared, cfg);
        auto s = env.adopt(*node, std::move(c->fd), hello.listener_id,
                           "unix_listener." + std::to_string(hello.listener_pid));
        if (!s) return std::move(s).error();
        parent = *s;
        node->attach_parent(parent);
        env.on_frame_in = [this](const sim::Node&, sim::StreamId, const MessageView& m) {
            if (m.header.handle == handle::LOAD_MODULE) loads.push_back(summarize_payload(m.payload));
            if (m.header.handle == handle::CALL_FUNCTION) ++calls_run;
        };
        env.on_frame_out = [this](const sim::Node&, sim::StreamId, const Header& h, std::span<const std::uint8_t> p) {
            if (h.handle == handle::GET_MODULE) gets.emplace_back(p.begin(), p.end());
            if (h.handle == handle::ALLOCATE_ID) ++alloc_requests;
        };
        return {};
    }

    bool up() const { return node && node->alive() && node->stream_open(parent); }

    // A control request to the master; the reply (or why there is none).
    Result<sim::Reply> control(pickle::Document doc, pickle::NodeId root) {
        std::vector<std::uint8_t> data;
        if (auto st = pickle::encode(doc, root, data); !st) return st.error();
        auto reply = std::make_shared<std::optional<sim::Reply>>();
        sim::Message m;
        m.h.dst_id = hello.listener_id;
        m.h.src_id = m.h.auth_id = node->id();
        m.h.handle = CONTROL_HANDLE;
        m.h.reply_to = node->add_reply_handler(hello.listener_id,
                                               [reply](sim::Node&, const sim::Message& r) { *reply = sim::read_reply(r); });
        m.data = std::move(data);
        node->route(std::move(m));
        if (!env.run_until([&] { return reply->has_value() || !up(); }, Clock::now() + opt.reply_timeout))
            return make_error(Errc::io, "no answer to the control request within " +
                                            std::to_string(opt.reply_timeout.count()) + " ms");
        if (!reply->has_value()) return make_error(Errc::io, "the master hung up");
        if ((*reply)->dead) return make_error(Errc::io, "control request refused: " + (*reply)->dead_reason);
        if ((*reply)->decode_error) return make_error(Errc::io, "control reply: " + *(*reply)->decode_error);
        return std::move(**reply);
    }

    // The master calls mitokit_conform.<name>(*args, **kwargs) in us and in its
    // Python target: both outcomes must be the same.
    CaseResult master_calls(std::string case_name, const std::string& name, const std::string& args_json,
                            const std::string& kwargs_json = "{\"dict\":[]}") {
        pickle::Document d;
        auto a = pickle::from_json(args_json, d);
        auto k = pickle::from_json(kwargs_json, d);
        if (!a || !k) return CaseResult{std::move(case_name), "", "bad case arguments", false};
        const auto root = d.tuple({d.str("call"), d.str(name), *a, *k});
        return compare(std::move(case_name), control(std::move(d), root));
    }

    CaseResult compare(std::string case_name, Result<sim::Reply> r) {
        if (!r) return CaseResult{std::move(case_name), "the reference target's outcome", r.error().message, false};
        const auto& d = r->doc;
        if (auto e = dict_get(d, r->root, "error"); e != pickle::NO_NODE)
            return CaseResult{std::move(case_name), "the reference target's outcome", "control error: " + d[e].s, false};
        const auto ref = dict_get(d, r->root, "reference"), peer = dict_get(d, r->root, "peer");
        if (ref == pickle::NO_NODE || peer == pickle::NO_NODE)
            return CaseResult{std::move(case_name), "the reference target's outcome", "malformed control reply", false};
        std::string expected = json_of(d, ref), got = json_of(d, peer);
        const bool pass = expected == got;
        return CaseResult{std::move(case_name), std::move(expected), std::move(got), pass};
    }

    CaseResult chain() {
        pickle::Document d;
        const auto root = d.tuple({d.str("chain")});
        return compare("peer.master_calls.chain", control(std::move(d), root));
    }

    CaseResult imports() {
        std::optional<std::string> err;
        bool done = false;
        node->import_module("mitokit_conform_pkg.sub", [&](std::optional<std::string> e) {
            err = std::move(e);
            done = true;
        });
        const bool ok = env.run_until([&] { return done || !up(); }, Clock::now() + opt.reply_timeout);
        // Whatever is still in flight settles within the silence.
        env.run_for(opt.silence);
        ModulePlan plan({opt.modules_dir});
        std::vector<std::string> want;
        for (const auto& g : gets)
            for (auto& s : plan.plan(g)) want.push_back(std::move(s));
        std::string got = joined(loads);
        if (!ok || !done) got += " (import did not finish)";
        else if (err) got += " (import failed: " + *err + ")";
        std::string expected = joined(want);
        const bool pass = ok && done && !err && expected == got && !gets.empty();
        return CaseResult{"peer.import.load_module_sequence", "for GETs [" + joined(gets) + "]: " + expected,
                          "for GETs [" + joined(gets) + "]: " + got, pass};
    }

    CaseResult forward_log() {
        const std::string text = "mitokit peer " + std::to_string(node->id()) + " says hello";
        node->log("mitokit.peer", 30, text);
        pickle::Document d;
        const auto root = d.tuple({d.str("logs")});
        // The record goes out before the control request on the same stream.
        auto r = control(std::move(d), root);
        const std::string expected = "mitokit.peer.[<context name>] level 30: " + text;
        if (!r) return CaseResult{"peer.forward_log", expected, r.error().message, false};
        const auto& doc = r->doc;
        std::string got = "no such record in the master's log";
        bool pass = false;
        if (doc[r->root].kind == pickle::Kind::list) {
            for (auto item : doc[r->root].items) {
                const auto& t = doc[item];
                if (t.kind != pickle::Kind::tuple || t.items.size() != 3) continue;
                const auto& name = doc[t.items[0]];
                const auto& level = doc[t.items[1]];
                const auto& msg = doc[t.items[2]];
                if (msg.s != text) continue;
                got = name.s + " level " + std::to_string(level.i) + ": " + msg.s;
                pass = name.s.rfind("mitokit.peer.[", 0) == 0 && name.s.back() == ']' && level.i == 30;
            }
        }
        return CaseResult{"peer.forward_log", expected, got, pass};
    }

    // Garbage on our own link: the master must hang up on us.
    CaseResult own_link_bad_magic() {
        std::vector<std::uint8_t> bad(HEADER_SIZE, 0);
        bad[0] = 'X';
        bad[1] = 'X';
        env.write(*node, parent, bad);
        const bool closed = env.run_until([&] { return !up(); }, Clock::now() + opt.reply_timeout);
        return CaseResult{"peer.own_link_bad_magic_drops", "the master closes our link",
                          closed ? "the master closed our link" : "still up after " +
                                                                       std::to_string(opt.reply_timeout.count()) + " ms",
                          closed};
    }

    CaseResult allocate() {
        std::vector<std::optional<sim::ContextId>> ids;
        for (int i = 0; i < 2; ++i) {
            bool done = false;
            node->allocate_id([&](std::optional<sim::ContextId> v) {
                ids.push_back(v);
                done = true;
            });
            env.run_until([&] { return done || !up(); }, Clock::now() + opt.reply_timeout);
        }
        std::string got;
        for (const auto& v : ids) got += (got.empty() ? "" : ", ") + (v ? std::to_string(*v) : std::string("none"));
        got += "; ALLOCATE_ID requests " + std::to_string(alloc_requests);
        const bool pass = ids.size() == 2 && ids[0] && ids[1] && *ids[0] > node->id() && *ids[1] == *ids[0] + 1 &&
                          alloc_requests == 1;
        return CaseResult{"peer.allocate_id", "two IDs from one block (one ALLOCATE_ID round trip), above ours", got,
                          pass};
    }
};

} // namespace

Result<std::vector<CaseResult>> run_peer(const PeerOptions& opt) {
    Session s(opt);
    if (auto st = s.join(); !st) return st.error();
    std::vector<CaseResult> out;
    out.push_back(CaseResult{"peer.handshake", "a fresh context ID from the listener",
                             "id " + std::to_string(s.hello.context_id) + " from listener " +
                                 std::to_string(s.hello.listener_id),
                             s.hello.context_id != 0 && s.hello.context_id != s.hello.listener_id});
    out.push_back(s.master_calls("peer.master_calls.echo", "echo", "[42]"));
    out.push_back(s.master_calls("peer.master_calls.echo_nested", "echo",
                                 "[[\"h\\u00e9\",{\"bytes\":\"AP8=\"},{\"tuple\":[{\"float\":\"0.5\"},null]}]]"));
    out.push_back(s.master_calls("peer.master_calls.add_long", "add", "[1099511627776,1]"));
    out.push_back(s.master_calls("peer.master_calls.kwargs", "kwargs_items", "[]",
                                 "{\"dict\":[[\"b\",2],[\"a\",\"x\"]]}"));
    out.push_back(s.master_calls("peer.master_calls.classmethod", "Calc.double", "[21]"));
    out.push_back(s.master_calls("peer.master_calls.length", "length", "[[1,2,3]]"));
    out.push_back(s.master_calls("peer.master_calls.raises", "fail", "[\"boom\"]"));
    out.push_back(s.master_calls("peer.master_calls.wrong_arity", "echo", "[]"));
    out.push_back(s.master_calls("peer.master_calls.too_many_args", "add", "[1,2,3]"));
    out.push_back(s.master_calls("peer.master_calls.type_error", "add", "[1,\"x\"]"));
    // Python semantics the natives must share with the target (check_listeners.py found them apart).
    out.push_back(s.master_calls("peer.master_calls.add_int_float", "add", "[1,{\"float\":\"2.5\"}]"));
    out.push_back(s.master_calls("peer.master_calls.add_big_ints", "add", "[{\"int\":\"1180591620717411303424\"},-1]"));
    out.push_back(s.master_calls("peer.master_calls.concat_error", "add", "[\"a\",1]"));
    out.push_back(s.master_calls("peer.master_calls.keyword_binds", "echo", "[]", "{\"dict\":[[\"value\",7]]}"));
    out.push_back(s.master_calls("peer.master_calls.keyword_twice", "echo", "[1]", "{\"dict\":[[\"value\",2]]}"));
    out.push_back(s.master_calls("peer.master_calls.raises_bytes", "fail", "[{\"bytes\":\"eA==\"}]"));
    out.push_back(s.chain());
    out.push_back(s.imports());
    out.push_back(s.forward_log());
    out.push_back(s.allocate());
    out.push_back(CaseResult{"peer.stays_connected", "the link to the master is up after every case",
                             s.up() ? "up" : "down", s.up()});
    out.push_back(s.own_link_bad_magic());
    if (opt.raw_cases) {
        SuiteOptions so;
        so.socket_path = opt.socket_path;
        so.modules_dir = opt.modules_dir;
        so.reply_timeout = opt.reply_timeout;
        so.silence = opt.silence;
        so.connect_timeout = opt.connect_timeout;
        so.only = {"drop.", "route.", "stream."};
        // The raw cases use connections of their own; ours has nothing in flight.
        auto raw = run_suite(so);
        if (!raw) out.push_back(CaseResult{"peer.raw_cases", "the suite's refusal cases", raw.error().message, false});
        else out.insert(out.end(), raw->begin(), raw->end());
    }
    return out;
}

} // namespace mitokit::conformance
