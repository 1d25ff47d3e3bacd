#include "mitokit/conformance/suite.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include "mitokit/conformance/module_plan.hpp"
#include "mitokit/conformance/recorder.hpp"
#include "mitokit/conformance/wire_client.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/runtime/parent.hpp"
#include "mitokit/sim/calls.hpp"

namespace mitokit::conformance {
namespace {

using sim::Message;

constexpr std::uint32_t UNUSED_HANDLE = 777; // below 1000, no standard meaning
constexpr std::uint32_t FORGED_ID = 424242;  // a context nobody has

std::string first_line(std::string_view s) { return std::string(s.substr(0, s.find('\n'))); }

// What a reply says, in the words the cases compare.
std::string describe_reply(const Message& m) {
    const sim::Reply r = sim::read_reply(m);
    if (r.dead) return "dead: " + r.dead_reason;
    if (r.decode_error) return "undecodable reply: " + *r.decode_error;
    if (r.call_error) return "CallError: " + first_line(*r.call_error);
    std::string json;
    if (auto st = pickle::to_json(r.doc, r.root, json, pickle::unshared_json_budget(r.doc)); !st)
        return "value without canonical JSON: " + st.error().message;
    return "value " + json;
}

struct Ctx {
    const SuiteOptions& opt;
    std::unique_ptr<WireClient> w;
    std::string modules_dir;
    std::unique_ptr<ModulePlan> plan; // follows the main connection's sent_modules

    Deadline reply() const { return Clock::now() + opt.reply_timeout; }
    Deadline quiet() const { return Clock::now() + opt.silence; }
    std::string silence_text() const { return "no reply within " + std::to_string(opt.silence.count()) + " ms"; }
    std::string timeout_text() const { return "no reply within " + std::to_string(opt.reply_timeout.count()) + " ms"; }

    Result<std::unique_ptr<WireClient>> connect() {
        auto c = WireClient::connect(opt.socket_path, Clock::now() + opt.connect_timeout);
        if (c && opt.recorder) opt.recorder->attach(**c);
        return c;
    }
    // The main connection, made again if a case lost it.
    Status ensure() {
        if (w && !w->closed()) return {};
        auto c = connect();
        if (!c) return std::move(c).error();
        w = std::move(*c);
        plan = std::make_unique<ModulePlan>(std::vector<std::string>{modules_dir});
        return {};
    }
};

struct Call {
    std::string module = "mitokit_conform";
    std::optional<std::string> klass;
    std::string function;
    std::string args = "[]";
    std::string kwargs = "{\"kwargs\":[]}";
    std::optional<std::string> chain;
    bool want_reply = true;
};

Result<std::vector<std::uint8_t>> call_payload(const Call& c) {
    auto cf = sim::make_call(c.module, c.klass, c.function, c.chain);
    if (auto st = runtime::set_call_arguments(cf, c.args, c.kwargs); !st) return st.error();
    return payload::build_call_function(cf);
}

// Sends the call (with `edit` applied to its header) and describes the answer:
// "no reply within N ms" when `quiet` is set and nothing came.
std::string exchange(Ctx& x, std::uint32_t dst, std::uint32_t handle, std::span<const std::uint8_t> data,
                     bool want_reply, const std::function<void(Header&)>& edit = {}, bool quiet = false,
                     Message* got = nullptr) {
    if (auto st = x.ensure(); !st) return "cannot connect: " + st.error().message;
    Header h = x.w->header(dst, handle, want_reply ? x.w->new_handle() : 0);
    if (edit) edit(h);
    if (auto st = x.w->send(h, data, x.reply()); !st) return "send failed: " + st.error().message;
    if (!want_reply && h.reply_to == 0) quiet = true;
    const std::uint32_t rh = h.reply_to;
    auto m = x.w->wait_for([&](const Message& msg) { return rh != 0 && rh != handle::IS_DEAD && msg.h.handle == rh; },
                           quiet ? x.quiet() : x.reply());
    if (!m) return "link lost: " + m.error().message;
    if (!*m) return quiet ? x.silence_text() : x.timeout_text();
    if (got) *got = **m;
    return describe_reply(**m);
}

std::string call(Ctx& x, const Call& c, const std::function<void(Header&)>& edit = {}, bool quiet = false,
                 Message* got = nullptr, std::optional<std::uint32_t> dst = std::nullopt) {
    auto data = call_payload(c);
    if (!data) return "bad call: " + data.error().message;
    return exchange(x, dst.value_or(x.opt.target), handle::CALL_FUNCTION, *data, c.want_reply, edit, quiet, got);
}

Call fn(std::string function, std::string args = "[]") {
    Call c;
    c.function = std::move(function);
    c.args = std::move(args);
    return c;
}

CaseResult check(std::string name, std::string expected, std::string got) {
    const bool pass = expected == got;
    return CaseResult{std::move(name), std::move(expected), std::move(got), pass};
}

// After a refusal: the connection must still carry a call.
std::string still_up(Ctx& x) {
    const auto r = call(x, fn("echo", "[7]"));
    return r == "value 7" ? "link still up" : "link after: " + r;
}

// --- cases ----------------------------------------------------------------------

CaseResult handshake(Ctx& x) {
    const auto& h = x.w->hello();
    const bool ok = h.context_id != 0 && h.context_id != h.listener_id && h.listener_pid != 0;
    return CaseResult{"handshake",
                      "a fresh context ID (not 0, not the listener's), the listener's ID and pid",
                      "id " + std::to_string(h.context_id) + ", listener " + std::to_string(h.listener_id) + ", pid " +
                          std::to_string(h.listener_pid),
                      ok};
}

CaseResult second_client(Ctx& x) {
    auto c = x.connect();
    if (!c) return CaseResult{"handshake.second_client", "a second client gets its own ID", c.error().message, false};
    const auto a = x.w->id(), b = (*c)->id();
    std::swap(x.w, *c);
    const auto r = call(x, fn("echo", "[\"second\"]"));
    std::swap(x.w, *c);
    const bool ok = a != b && b != x.w->hello().listener_id && r == "value \"second\"";
    return CaseResult{"handshake.second_client", "a distinct ID, and calls work on both connections",
                      "ids " + std::to_string(a) + " and " + std::to_string(b) + "; second: " + r, ok};
}

// Connects and sends only half of the 4-byte pid, then hangs up.
Status half_handshake(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return make_error(Errc::usage, "socket path too long");
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    transport::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
        return make_error(Errc::io, "connect " + path + ": " + std::strerror(errno));
    const std::uint8_t half[2] = {0, 0};
    return transport::write_all(fd.get(), half, Clock::now() + std::chrono::seconds(5));
}

CaseResult failed_handshake(Ctx& x) {
    // The reference reads the pid before it takes an ID: a client that fails the
    // handshake costs none, and the next client's ID follows the last one.
    const std::string name = "handshake.failed_client_costs_no_id";
    auto before = x.connect();
    if (!before) return CaseResult{name, "", before.error().message, false};
    const auto last = (*before)->id();
    if (auto st = half_handshake(x.opt.socket_path); !st) return CaseResult{name, "", st.error().message, false};
    auto after = x.connect();
    if (!after) return CaseResult{name, "", after.error().message, false};
    return check(name, "next ID " + std::to_string(last + 1), "next ID " + std::to_string((*after)->id()));
}

CaseResult echo_case(Ctx& x, std::string name, std::string json) {
    return check(std::move(name), "value " + json, call(x, fn("echo", "[" + json + "]")));
}

CaseResult add_long(Ctx& x) {
    // 2**40 travels as LONG1 both ways.
    return check("call.add.long", "value 1099511627777", call(x, fn("add", "[1099511627776,1]")));
}

CaseResult kwargs(Ctx& x) {
    Call c = fn("kwargs_items");
    c.kwargs = "{\"kwargs\":[[\"b\",2],[\"a\",\"x\"]]}";
    return check("call.kwargs", "value [{\"tuple\":[\"a\",\"x\"]},{\"tuple\":[\"b\",2]}]", call(x, c));
}

CaseResult classmethod(Ctx& x) {
    Call c = fn("double", "[21]");
    c.klass = "Calc";
    return check("call.classmethod", "value 42", call(x, c));
}

CaseResult reply_header(Ctx& x) {
    Message m;
    const auto r = call(x, fn("echo", "[null]"), {}, false, &m);
    const auto t = x.opt.target;
    const std::string want = "value null; dst " + std::to_string(x.w->id()) + " src " + std::to_string(t) + " auth " +
                             std::to_string(t) + " reply_to 0";
    const std::string got = r + "; dst " + std::to_string(m.h.dst_id) + " src " + std::to_string(m.h.src_id) +
                            " auth " + std::to_string(m.h.auth_id) + " reply_to " + std::to_string(m.h.reply_to);
    return check("call.reply_header", want, got);
}

CaseResult large_args(Ctx& x) {
    // 4 MiB of bytes in one CALL_FUNCTION: base64 of 'x' * 4 MiB.
    const std::size_t n = 4u << 20;
    std::string b64;
    b64.reserve(n / 3 * 4 + 4);
    for (std::size_t i = 0; i < n / 3; ++i) b64 += "eHh4";
    if (n % 3 == 1) b64 += "eA==";
    if (n % 3 == 2) b64 += "eHg=";
    return check("call.large_args", "value " + std::to_string(n),
                 call(x, fn("length", "[{\"bytes\":\"" + b64 + "\"}]")));
}

CaseResult large_reply(Ctx& x) {
    const std::int64_t n = 1 << 20;
    Message m;
    const auto r = call(x, fn("blob", "[" + std::to_string(n) + "]"), {}, false, &m);
    std::string got = r.substr(0, 80);
    if (r.rfind("value ", 0) == 0) {
        const sim::Reply rep = sim::read_reply(m);
        const auto& v = rep.doc[rep.root];
        bool all = v.kind == pickle::Kind::bytes;
        for (char ch : v.s) all = all && static_cast<unsigned char>(ch) == 0xa5;
        got = std::string(v.kind == pickle::Kind::bytes ? "bytes" : "not bytes") + " of length " +
              std::to_string(v.s.size()) + (all ? ", all 0xa5" : ", not all 0xa5");
    }
    return check("call.large_reply", "bytes of length " + std::to_string(n) + ", all 0xa5", got);
}

CaseResult raises(Ctx& x) {
    return check("call.raises", "CallError: builtins.ValueError: boom", call(x, fn("fail", "[\"boom\"]")));
}

CaseResult no_such_function(Ctx& x) {
    return check("call.no_such_function",
                 "CallError: builtins.AttributeError: module 'mitokit_conform' has no attribute 'nope'",
                 call(x, fn("nope")));
}

CaseResult no_such_module(Ctx& x) {
    Call c = fn("f");
    c.module = "mitokit_nosuch";
    return check("call.no_such_module",
                 "CallError: builtins.ImportError: The Mitogen master process was unable to serve 'mitokit_nosuch'. "
                 "It may be a native Python extension, or it may be missing entirely. Check the importer debug logs "
                 "on the master for more information.",
                 call(x, c));
}

CaseResult chain_cached(Ctx& x) {
    Call f = fn("fail", "[\"chain broken\"]");
    f.chain = "mitokit-conform-chain-1";
    f.want_reply = false;
    const auto first = call(x, f);
    Call e = fn("echo", "[1]");
    e.chain = f.chain;
    return check("call.chain.cached_failure", x.silence_text() + "; CallError: builtins.ValueError: chain broken",
                 first + "; " + call(x, e));
}

CaseResult chain_forget(Ctx& x) {
    Call forget = fn("forget_chain", "[\"mitokit-conform-chain-1\"]");
    forget.module = "mitogen.core";
    forget.klass = "Dispatcher";
    const auto r1 = call(x, forget);
    Call e = fn("echo", "[2]");
    e.chain = "mitokit-conform-chain-1";
    return check("call.chain.forget", "value null; value 2", r1 + "; " + call(x, e));
}

CaseResult no_reply_wanted(Ctx& x) {
    Call c = fn("echo", "[3]");
    c.want_reply = false;
    return check("call.no_reply_wanted", x.silence_text() + "; link still up", call(x, c) + "; " + still_up(x));
}

CaseResult invalid_handle(Ctx& x) {
    const auto l = x.w->hello().listener_id;
    return check("dead.invalid_handle", "dead: invalid handle", exchange(x, l, UNUSED_HANDLE, {}, true));
}

CaseResult listener_call(Ctx& x) {
    // The master has no CALL_FUNCTION handler.
    const auto l = x.w->hello().listener_id;
    return check("dead.master_has_no_call_function", "dead: invalid handle",
                 call(x, fn("echo", "[1]"), {}, false, nullptr, l));
}

CaseResult no_route(Ctx& x) {
    const auto l = x.w->hello().listener_id;
    return check("dead.no_route", "dead: " + payload::reason::no_route(FORGED_ID, l),
                 call(x, fn("echo", "[1]"), {}, false, nullptr, FORGED_ID));
}

CaseResult no_route_silent(Ctx& x) {
    Call c = fn("echo", "[1]");
    c.want_reply = false;
    return check("dead.no_route.no_reply_to", x.silence_text() + "; link still up",
                 call(x, c, {}, true, nullptr, FORGED_ID) + "; " + still_up(x));
}

CaseResult dead_never_answered(Ctx& x) {
    const auto l = x.w->hello().listener_id;
    // A dead message to an unknown handle: nobody answers a dead message.
    const auto r = exchange(x, l, UNUSED_HANDLE, payload::build_dead("mitokit probe"), true,
                            [](Header& h) { h.reply_to = handle::IS_DEAD; }, true);
    // Nothing can match reply_to 999: wait the silence out, then look at the queue.
    auto any = x.w->wait_for([&](const Message& m) { return m.h.reply_to == handle::IS_DEAD && m.h.src_id == l; },
                             x.quiet());
    std::string got = r;
    if (any && *any) got = "answered: " + describe_reply(**any);
    else if (any) got = x.silence_text();
    return check("dead.never_answered", x.silence_text() + "; link still up", got + "; " + still_up(x));
}

CaseResult bad_auth(Ctx& x) {
    const auto t = x.opt.target;
    const auto r = call(x, fn("echo", "[1]"), [t](Header& h) { h.auth_id = t; }, true);
    return check("drop.bad_auth_id", x.silence_text() + "; link still up", r + "; " + still_up(x));
}

CaseResult bad_src(Ctx& x) {
    const auto t = x.opt.target;
    const auto r = call(x, fn("echo", "[1]"), [t](Header& h) { h.src_id = t; }, true);
    // A reply, if any, would go to the forged source: watch for it too.
    return check("drop.bad_src_id", x.silence_text() + "; link still up", r + "; " + still_up(x));
}

CaseResult add_route_ignored(Ctx& x) {
    const auto l = x.w->hello().listener_id;
    const auto data = payload::build_route(5555, std::string("fake"));
    const auto r = exchange(x, l, handle::ADD_ROUTE, data, false);
    return check("route.add_route_from_client_ignored",
                 x.silence_text() + "; dead: " + payload::reason::no_route(5555, l),
                 r + "; " + call(x, fn("echo", "[1]"), {}, false, nullptr, 5555));
}

CaseResult del_route_ignored(Ctx& x) {
    const auto l = x.w->hello().listener_id;
    const auto data = payload::build_route(x.opt.target, std::nullopt);
    const auto r = exchange(x, l, handle::DEL_ROUTE, data, false);
    return check("route.del_route_from_client_ignored", x.silence_text() + "; link still up", r + "; " + still_up(x));
}

CaseResult client_to_client(Ctx& x) {
    // One client's message to another is routed through the listener, which
    // overwrites its auth_id with its own ID (the stamp UNIX clients get).
    const std::string name = "route.client_to_client_auth_stamped";
    auto b = x.connect();
    if (!b) return CaseResult{name, "", b.error().message, false};
    if (auto st = x.ensure(); !st) return CaseResult{name, "", st.error().message, false};
    const auto l = x.w->hello().listener_id;
    Header h = x.w->header((*b)->id(), UNUSED_HANDLE);
    const auto payload = sim::to_bytes("mitokit");
    if (auto st = x.w->send(h, payload, x.reply()); !st) return CaseResult{name, "", st.error().message, false};
    auto m = (*b)->wait_reply(UNUSED_HANDLE, x.reply());
    std::string got;
    if (!m) got = m.error().message;
    else if (!*m) got = x.timeout_text();
    else
        got = "src " + std::to_string((*m)->h.src_id) + " auth " + std::to_string((*m)->h.auth_id) + " data " +
              std::string((*m)->text());
    return check(name, "src " + std::to_string(x.w->id()) + " auth " + std::to_string(l) + " data mitokit", got);
}

std::optional<payload::AllocateIdReply> allocate(Ctx& x, std::string& text) {
    Message m;
    text = exchange(x, 0, handle::ALLOCATE_ID, {}, true, {}, false, &m);
    if (text.rfind("value ", 0) != 0) return std::nullopt;
    auto a = payload::parse_allocate_id_reply(m.data, m.h.enc);
    if (!a) {
        text = a.error().message;
        return std::nullopt;
    }
    return *a;
}

CaseResult alloc_blocks(Ctx& x) {
    std::string t1, t2;
    const auto a = allocate(x, t1);
    const auto b = a ? allocate(x, t2) : std::nullopt;
    if (!a || !b) return CaseResult{"alloc.id_blocks", "two blocks of 1000 IDs", a ? t2 : t1, false};
    const bool ok = a->end - a->start == 1000 && b->end - b->start == 1000 && b->start == a->end &&
                    a->start > static_cast<std::int64_t>(x.w->id());
    return CaseResult{"alloc.id_blocks",
                      "(s, s+1000) with s above our ID, then (s+1000, s+2000)",
                      "(" + std::to_string(a->start) + ", " + std::to_string(a->end) + ") then (" +
                          std::to_string(b->start) + ", " + std::to_string(b->end) + ")",
                      ok};
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : "; ") + e;
    return s;
}

// GET_MODULE from this client: the LOAD_MODULE sequence, until `quiet` passes
// with nothing more.
std::string loads_for(Ctx& x, const std::string& name, bool expect_any) {
    if (auto st = x.ensure(); !st) return "cannot connect: " + st.error().message;
    Header h = x.w->header(x.w->hello().listener_id, handle::GET_MODULE);
    if (auto st = x.w->send(h, payload::build_get_module(name), x.reply()); !st) return "send failed";
    std::vector<std::string> got;
    // Where nothing is expected, the silence is enough to see that nothing comes.
    auto deadline = expect_any ? x.reply() : x.quiet();
    for (;;) {
        auto m = x.w->wait_for([](const Message& msg) { return msg.h.handle == handle::LOAD_MODULE; }, deadline);
        if (!m) return joined(got) + " (link lost: " + m.error().message + ")";
        if (!*m) break;
        got.push_back(summarize_payload((*m)->data));
        // The last one is the module asked for; after it, only a short wait.
        deadline = got.back().rfind(name + " ", 0) == 0 ? x.quiet() : x.reply();
    }
    return got.empty() ? x.silence_text() : joined(got);
}

CaseResult module_case(Ctx& x, std::string case_name, const std::string& module) {
    if (auto st = x.ensure(); !st) return CaseResult{std::move(case_name), "", st.error().message, false};
    auto want = x.plan->plan(module);
    const std::string expected = want.empty() ? x.silence_text() : joined(want);
    return check(std::move(case_name), expected, loads_for(x, module, !want.empty()));
}

CaseResult forward_log(Ctx& x) {
    const auto data = payload::build_forward_log("mitokit.conform", 30, "conformance probe");
    return check("log.forward_accepted", x.silence_text() + "; link still up",
                 exchange(x, 0, handle::FORWARD_LOG, data, false) + "; " + still_up(x));
}

CaseResult drop_case(Ctx& x, std::string name, std::vector<std::uint8_t> bytes) {
    auto c = x.connect();
    if (!c) return CaseResult{std::move(name), "connection closed", c.error().message, false};
    if (auto st = (*c)->send_raw(bytes, x.reply()); !st)
        return CaseResult{std::move(name), "connection closed", st.error().message, false};
    const bool closed = (*c)->wait_closed(x.reply());
    const std::string got = (closed ? "connection closed" : "still open after " +
                                                               std::to_string(x.opt.reply_timeout.count()) + " ms") +
                            std::string("; other clients: ") + still_up(x);
    return check(std::move(name), "connection closed; other clients: link still up", got);
}

std::vector<std::uint8_t> bad_magic() {
    std::vector<std::uint8_t> b(HEADER_SIZE, 0);
    b[0] = 'X';
    b[1] = 'X';
    return b;
}

std::vector<std::uint8_t> oversize(std::uint32_t max, std::uint32_t id) {
    Header h;
    h.dst_id = 0;
    h.src_id = h.auth_id = id;
    h.handle = handle::FORWARD_LOG;
    h.length = max + 1;
    const auto hb = encode_header(h);
    return {hb.begin(), hb.end()};
}

using CaseFn = std::function<CaseResult(Ctx&)>;

std::vector<std::pair<std::string, CaseFn>> cases() {
    std::vector<std::pair<std::string, CaseFn>> v;
    auto add = [&](std::string n, CaseFn f) { v.emplace_back(std::move(n), std::move(f)); };
    add("handshake", handshake);
    add("handshake.second_client", second_client);
    add("handshake.failed_client_costs_no_id", failed_handshake);
    add("call.echo.int", [](Ctx& x) { return echo_case(x, "call.echo.int", "42"); });
    add("call.echo.str", [](Ctx& x) { return echo_case(x, "call.echo.str", "\"h\\u00e9 \\u2603\""); });
    add("call.echo.bytes", [](Ctx& x) { return echo_case(x, "call.echo.bytes", "{\"bytes\":\"AP8=\"}"); });
    add("call.echo.nested", [](Ctx& x) {
        return echo_case(x, "call.echo.nested",
                         "[1,{\"tuple\":[{\"float\":\"2.5\"},null]},{\"dict\":[[\"k\",[true,false]]]},{\"int\":"
                         "\"-18446744073709551616\"}]");
    });
    add("call.add.long", add_long);
    add("call.kwargs", kwargs);
    add("call.classmethod", classmethod);
    add("call.reply_header", reply_header);
    add("call.large_args", large_args);
    add("call.large_reply", large_reply);
    add("call.raises", raises);
    add("call.no_such_function", no_such_function);
    add("call.no_such_module", no_such_module);
    add("call.chain.cached_failure", chain_cached);
    add("call.chain.forget", chain_forget);
    add("call.no_reply_wanted", no_reply_wanted);
    add("dead.invalid_handle", invalid_handle);
    add("dead.master_has_no_call_function", listener_call);
    add("dead.no_route", no_route);
    add("dead.no_route.no_reply_to", no_route_silent);
    add("dead.never_answered", dead_never_answered);
    add("drop.bad_auth_id", bad_auth);
    add("drop.bad_src_id", bad_src);
    add("route.add_route_from_client_ignored", add_route_ignored);
    add("route.del_route_from_client_ignored", del_route_ignored);
    add("route.client_to_client_auth_stamped", client_to_client);
    add("alloc.id_blocks", alloc_blocks);
    add("module.package_sequence", [](Ctx& x) { return module_case(x, "module.package_sequence", "mitokit_conform_pkg"); });
    add("module.submodule_sequence",
        [](Ctx& x) { return module_case(x, "module.submodule_sequence", "mitokit_conform_pkg.sub"); });
    add("module.duplicate_get_ignored",
        [](Ctx& x) { return module_case(x, "module.duplicate_get_ignored", "mitokit_conform_pkg"); });
    add("module.stdlib_refused", [](Ctx& x) { return module_case(x, "module.stdlib_refused", "json"); });
    add("module.missing_refused", [](Ctx& x) { return module_case(x, "module.missing_refused", "mitokit_nosuch"); });
    add("log.forward_accepted", forward_log);
    add("stream.bad_magic_drops", [](Ctx& x) { return drop_case(x, "stream.bad_magic_drops", bad_magic()); });
    add("stream.oversize_drops", [](Ctx& x) {
        return drop_case(x, "stream.oversize_drops", oversize(x.opt.max_message_size, x.w ? x.w->id() : 0));
    });
    return v;
}

} // namespace

std::vector<std::string> suite_case_names() {
    std::vector<std::string> names;
    for (const auto& [n, f] : cases()) names.push_back(n);
    return names;
}

Result<std::vector<CaseResult>> run_suite(const SuiteOptions& opt) {
    Ctx x{opt, nullptr, opt.modules_dir, nullptr};
    if (auto st = x.ensure(); !st) return st.error();
    std::vector<CaseResult> out;
    for (const auto& entry : cases()) {
        const std::string& name = entry.first;
        const auto& f = entry.second;
        const bool wanted = opt.only.empty() || std::any_of(opt.only.begin(), opt.only.end(), [&](const auto& p) {
                                return name.rfind(p, 0) == 0;
                            });
        if (wanted) out.push_back(f(x));
    }
    return out;
}

} // namespace mitokit::conformance
