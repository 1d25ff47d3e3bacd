// The router's behaviour (protocol-notes §4) over simulated links: every message
// here crossed a link as bytes and was decoded by the far side's StreamDecoder.
#include "sim_fixture.hpp"

#include <algorithm>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/encoder.hpp"

namespace mitokit::sim::testing {
namespace {

// A message arriving on `at`'s stream toward `from`, as if `from` had sent it;
// the reply (if any) lands in a handler registered at `from`.
struct Injected {
    bool got = false;
    Message reply;
};

std::shared_ptr<Injected> inject(World& w, ContextId at, ContextId from, Header h, std::vector<std::uint8_t> data,
                                 bool want_reply = true) {
    auto out = std::make_shared<Injected>();
    Node& src = *w.sim->find(from);
    if (want_reply)
        h.reply_to = src.add_reply_handler(std::nullopt, [out](Node&, const Message& m) {
            out->got = true;
            out->reply = m;
        });
    Node& dst = *w.sim->find(at);
    const auto s = dst.route_for(from);
    EXPECT_TRUE(s.has_value());
    dst.receive(*s, encode_frame(h, data));
    w.sim->run();
    return out;
}

Header hdr(ContextId dst, ContextId src, ContextId auth, std::uint32_t handle) {
    Header h;
    h.dst_id = dst;
    h.src_id = src;
    h.auth_id = auth;
    h.handle = handle;
    return h;
}

TEST(Router, BuildsTreeWithIdBlocksAndAddRoutePropagation) {
    World w;
    const ContextId c1 = w.spawn_from_master(), c2 = w.spawn_from_master();
    EXPECT_EQ(c1, 1u);
    EXPECT_EQ(c2, 2u);
    const ContextId g = w.spawn_via(c1);
    EXPECT_EQ(g, 3u) << "child 1 asked for a block (3, 1003) with ALLOCATE_ID";
    const ContextId g2 = w.spawn_via(c1);
    EXPECT_EQ(g2, 4u) << "the block is used without another round trip";
    EXPECT_EQ(w.sim->per_handle().at(handle::ALLOCATE_ID).messages, 1u);
    // The master learnt 3 and 4 through ADD_ROUTE, on child 1's stream.
    EXPECT_EQ(w.sim->master().route_for(g), w.sim->master().route_for(c1));
    EXPECT_EQ(w.sim->master().routes(), (std::vector<ContextId>{1, 2, 3, 4}));
    EXPECT_EQ(w.sim->per_handle().at(handle::ADD_ROUTE).messages, 2u);
    // A call reaches the grandchild through its parent.
    auto r = w.call(g, make_call("posix", std::nullopt, "getpid"));
    ASSERT_TRUE(r.ok()) << r.dead_reason;
    EXPECT_EQ(r.integer(), 3);
    const ContextId gg = w.spawn_via(g);
    EXPECT_EQ(gg, 1003u) << "grandchild 3 got its own block (1003, 2003)";
    EXPECT_EQ(w.sim->per_handle().at(handle::ALLOCATE_ID).messages, 3u) << "one more request, two hops";
    EXPECT_EQ(w.call(gg, make_call("posix", std::nullopt, "getpid")).integer(), 1003);
}

TEST(Router, SpoofedAuthIdIsDroppedSilentlyAndCounted) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    w.spawn_from_master();
    // Child 1 claims the master's authority: the master drops it, no reply.
    auto r = inject(w, 0, c1, hdr(2, c1, 0, handle::CALL_FUNCTION),
                    payload::build_call_function(make_call("posix", std::nullopt, "getpid")));
    EXPECT_FALSE(r->got);
    EXPECT_EQ(w.note(Note::bad_auth_drop), 1u);
}

TEST(Router, SpoofedSrcIdIsDroppedSilentlyAndCounted) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    auto r = inject(w, 0, c1, hdr(0, c2, c1, handle::FORWARD_LOG), payload::build_forward_log("x", 20, "y"));
    EXPECT_FALSE(r->got);
    EXPECT_EQ(w.note(Note::bad_src_drop), 1u);
    EXPECT_EQ(w.sim->log_records(), 0u);
}

TEST(Router, InvalidHandleGetsDeadReply) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    auto r = inject(w, 0, c1, hdr(0, c1, c1, 555), {});
    ASSERT_TRUE(r->got);
    EXPECT_TRUE(r->reply.is_dead());
    EXPECT_EQ(r->reply.text(), "invalid handle");
    // The master has no CALL_FUNCTION handler either.
    auto r2 = inject(w, 0, c1, hdr(0, c1, c1, handle::CALL_FUNCTION), {});
    ASSERT_TRUE(r2->got);
    EXPECT_EQ(r2->reply.text(), "invalid handle");
}

TEST(Router, AChainDeeperThanTheInlineParentIdsRoutesCallsAndTrustsEveryAncestor) {
    World w;
    std::vector<ContextId> chain{w.spawn_from_master()};
    for (std::size_t i = 0; i < ParentIds::INLINE + 3; ++i) chain.push_back(w.spawn_via(chain.back()));
    const ContextId deepest = chain.back();
    const Node& n = *w.sim->find(deepest);
    ASSERT_EQ(n.parent_ids().size(), chain.size());
    EXPECT_EQ(n.parent_ids()[0], chain[chain.size() - 2]);
    EXPECT_EQ(n.parent_ids()[n.parent_ids().size() - 1], 0u);
    EXPECT_EQ(w.call(deepest, make_call("posix", std::nullopt, "getpid")).integer(), deepest);
    // The farthest ancestor below the master sits past the inline entries: a call
    // it stamps (relayed by the grandparent) still has parent authority.
    const ContextId far = chain[0], grand = chain[chain.size() - 3];
    auto r = inject(w, chain[chain.size() - 2], grand, hdr(deepest, grand, far, handle::CALL_FUNCTION),
                    payload::build_call_function(make_call("posix", std::nullopt, "getpid")));
    ASSERT_TRUE(r->got);
    EXPECT_FALSE(r->reply.is_dead()) << r->reply.text();
    EXPECT_EQ(read_reply(r->reply).integer(), deepest);
}

TEST(Router, SiblingCallIsRefusedByPolicy) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    // Child 2 calls child 1: routed by the master, refused by child 1's
    // has_parent_authority, answered with a dead message.
    auto r = inject(w, 0, c2, hdr(c1, c2, c2, handle::CALL_FUNCTION),
                    payload::build_call_function(make_call("posix", std::nullopt, "getpid")));
    ASSERT_TRUE(r->got);
    EXPECT_EQ(r->reply.text(), "refused by policy");
    EXPECT_EQ(r->reply.h.src_id, c1);
}

TEST(Router, NoRouteFromParentDirectionAndFromChild) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    auto r = inject(w, 0, c1, hdr(77, c1, c1, 1234), {});
    ASSERT_TRUE(r->got);
    EXPECT_EQ(r->reply.text(), "no route to 77, my ID is 0");
    // A message from the master for an unknown child of c1 is not sent back up.
    auto r2 = inject(w, c1, 0, hdr(88, 0, 0, 1234), {});
    ASSERT_TRUE(r2->got);
    EXPECT_EQ(r2->reply.text(), "no route to 88, my ID is 1");
}

TEST(Router, TooLargeGetsDeadReplyAndOversizeFrameDropsStream) {
    World w(1, false, 1000);
    const ContextId c1 = w.spawn_from_master();
    Reply got;
    bool done = false;
    auto c = make_call("mitokit.sim", std::nullopt, "fail");
    c.args = c.doc.tuple({c.doc.str(std::string(2000, 'x'))});
    w.sim->master().call_async(c1, c, [&](Node&, const Message& m) {
        got = read_reply(m);
        done = true;
    });
    w.sim->run();
    ASSERT_TRUE(done);
    EXPECT_TRUE(got.dead);
    EXPECT_EQ(got.dead_reason, "message too large (max 1000 bytes)");
    // On the wire, a header announcing more than the maximum drops the connection.
    Node& m = w.sim->master();
    m.receive(*m.route_for(c1), frame(0, c1, c1, handle::FORWARD_LOG, 0, std::vector<std::uint8_t>(1500, 'a')));
    w.sim->run();
    EXPECT_EQ(w.note(Note::stream_error), 1u);
    EXPECT_FALSE(m.route_for(c1));
    EXPECT_FALSE(w.sim->find(c1)->alive()) << "the child lost its parent and shut down";
}

// A leaf's allocate_id() asks the master for a block of 1000 through its parent and
// hands the IDs out in order; the 1001st costs another round trip.
TEST(Router, ALeafAllocatesIdsFromBlocksTheMasterHandsOut) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId leaf = w.spawn_via(c1);
    const auto before = w.sim->per_handle().at(handle::ALLOCATE_ID).messages;
    auto call = make_call("mitokit.sim", std::nullopt, "allocate_ids");
    call.args = call.doc.tuple({call.doc.integer(1001)});
    auto r = w.call(leaf, call);
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    const auto& items = r.doc[r.root].items;
    ASSERT_EQ(items.size(), 1001u);
    std::vector<std::int64_t> ids;
    for (auto id : items) ids.push_back(r.doc[id].i);
    for (std::size_t i = 1; i < 1000; ++i) EXPECT_EQ(ids[i], ids[i - 1] + 1) << "one block, in order";
    EXPECT_GE(ids[1000], ids[999] + 1);
    for (auto id : ids) EXPECT_NE(static_cast<ContextId>(id), leaf);
    EXPECT_EQ(w.sim->per_handle().at(handle::ALLOCATE_ID).messages - before, 4u)
        << "two requests, each crossing the leaf's and c1's links";
    call.args = call.doc.tuple({call.doc.integer(MAX_IDS_PER_CALL + 1)});
    r = w.call(leaf, call);
    ASSERT_TRUE(r.call_error.has_value());
    EXPECT_NE(r.call_error->find("allocate_ids() needs a count of 0..100000"), std::string::npos) << *r.call_error;
}

// A block that would run past the last 32-bit ID is refused by the child's allocator
// ("bad block"), and allocate_ids fails as send_await raising would.
TEST(Router, AllocateIdsFailsWhenTheMastersBlockIsUnusable) {
    World w;
    w.shared.id_block = 0xffffffffu; // every block the master hands out ends past 2^32 - 1
    SimConfig cfg;
    cfg.keep_event_lines = true;
    w.sim = std::make_unique<Simulation>(cfg, w.shared);
    const ContextId c1 = w.spawn_from_master(); // the master's own allocator: no block needed
    auto call = make_call("mitokit.sim", std::nullopt, "allocate_ids");
    call.args = call.doc.tuple({call.doc.integer(1)});
    const auto r = w.call(c1, call);
    ASSERT_TRUE(r.call_error.has_value()) << r.dead_reason;
    EXPECT_EQ(*r.call_error, "mitogen.core.ChannelError: ALLOCATE_ID got no block");
    EXPECT_EQ(w.note(Note::handler_error), 1u) << "the refused block is noted";
}

// With a maximum shorter than the dead reply's own reason, that reply is too large as
// well: it is dropped and counted, not answered by another dead message without end.
TEST(Router, ADeadReplyTooLargeItselfIsDroppedNotAnsweredForever) {
    World w(1, false, 10);
    const ContextId c1 = w.spawn_from_master();
    bool done = false;
    w.sim->master().call_async(c1, make_call("posix", std::nullopt, "getpid"), [&](Node&, const Message&) { done = true; });
    w.sim->run();
    EXPECT_FALSE(done) << "the dead reply could not be delivered";
    EXPECT_EQ(w.note(Note::dead_too_large), 1u);
    EXPECT_EQ(w.note(Note::dead_dropped), 1u);
}

// mitogen 0.3.3 reads an MI payload's first pickle and never what follows it: a
// call with bytes after its pickle is routed and run, and a reply with some is read.
TEST(Router, PayloadsWithBytesAfterThePickleAreAcceptedAsTheReferenceDoes) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    auto data = payload::build_call_function(make_call("posix", std::nullopt, "getpid"));
    const std::string tail = "garbage";
    data.insert(data.end(), tail.begin(), tail.end());
    // Through child 1's router to the grandchild, which runs it.
    auto r = inject(w, c1, 0, hdr(g, 0, 0, handle::CALL_FUNCTION), data);
    ASSERT_TRUE(r->got);
    EXPECT_FALSE(r->reply.is_dead()) << r->reply.text();
    const Reply got = read_reply(r->reply);
    ASSERT_TRUE(got.ok()) << got.decode_error.value_or(got.call_error.value_or(got.dead_reason));
    EXPECT_EQ(got.integer(), static_cast<std::int64_t>(g));
    EXPECT_EQ(got.trailing_bytes, 0u);
    // A reply carrying a second pickle after its first: the first is the value.
    Message reply;
    reply.h.handle = handle::FIRST_DYNAMIC;
    reply.data = payload::build_allocate_id_reply({5, 6});
    const std::vector<std::uint8_t> second = {0x80, 0x02, 0x4b, 0x07, 0x2e};
    reply.data.insert(reply.data.end(), second.begin(), second.end());
    const Reply two = read_reply(reply);
    ASSERT_TRUE(two.ok()) << two.decode_error.value_or("");
    EXPECT_EQ(two.doc[two.root].kind, pickle::Kind::tuple);
    EXPECT_EQ(two.doc.roots().size(), 1u);
    EXPECT_EQ(two.trailing_bytes, 5u);
    // In MJ the payload is pickles to its end: two of them, nothing trailing.
    reply.h.enc = Encoding::pickle;
    const Reply mj = read_reply(reply);
    ASSERT_TRUE(mj.ok());
    EXPECT_EQ(mj.doc.roots().size(), 2u);
    EXPECT_EQ(mj.trailing_bytes, 0u);
}

// A Reply as one comparable value: what read_reply() leaves in it.
std::string reply_state(const Reply& r) {
    std::string s = std::to_string(r.dead) + "|" + r.dead_reason + "|" + r.call_error.value_or("<none>") + "|" +
                    r.decode_error.value_or("<none>") + "|" + std::to_string(r.root) + "|" +
                    std::to_string(r.trailing_bytes) + "|";
    if (r.decode_error) return s; // what the decoder left in the Document is not the reply
    for (std::size_t i = 0; i < r.doc.size(); ++i) {
        const auto& n = r.doc[static_cast<pickle::NodeId>(i)];
        s += std::to_string(static_cast<int>(n.kind)) + "," + std::to_string(n.flag) + "," + std::to_string(n.i) + "," +
             std::to_string(n.i2) + "," + n.s + ",";
        for (auto id : n.items) s += std::to_string(id) + " ";
        s += ";";
    }
    for (auto id : r.doc.roots()) s += std::to_string(id) + " ";
    return s;
}

// What read_reply() made of a payload before its shortcut for small scalars: the
// decoder's reading, by the same steps.
std::string decoded_reply_state(const Message& m) {
    Reply r;
    auto trailing = payload::decode_pickles(m.data, r.doc, m.h.enc);
    if (!trailing) {
        r.decode_error = trailing.error().message;
    } else if (r.doc.roots().empty()) {
        r.decode_error = "empty reply";
    } else {
        r.trailing_bytes = *trailing;
        r.root = r.doc.root();
        if (r.doc[r.root].kind == pickle::Kind::call_error) r.call_error = r.doc[r.root].s;
    }
    return reply_state(r);
}

TEST(Router, SmallScalarRepliesReadAsTheDecoderReadsThem) {
    std::vector<std::vector<std::uint8_t>> payloads;
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{255}, std::int64_t{256}, std::int64_t{65535},
                           std::int64_t{65536}, std::int64_t{-1}, std::int64_t{-256}, std::int64_t{INT32_MIN},
                           std::int64_t{INT32_MAX}, std::int64_t{INT32_MAX} + 1, std::int64_t{INT32_MIN} - 1,
                           std::int64_t{1} << 40, std::int64_t{123456789}}) {
        pickle::Document d;
        std::vector<std::uint8_t> p;
        ASSERT_TRUE(pickle::encode(d, d.integer(v), p));
        payloads.push_back(p);
        auto trailing = p;
        trailing.push_back('.');
        payloads.push_back(trailing);
        auto cut = p;
        cut.pop_back();
        payloads.push_back(cut);
        auto proto3 = p;
        proto3[1] = 3;
        payloads.push_back(proto3);
        auto memo = p; // a BINPUT before STOP: the same value, decoded by the decoder
        memo.insert(memo.end() - 1, {'q', 0});
        payloads.push_back(memo);
        payloads.push_back(std::vector<std::uint8_t>(p.begin() + 2, p.end())); // no PROTO
    }
    // Near misses of the short forms: wrong lengths, other opcodes, no STOP.
    payloads.push_back({0x80, 2, 'N', '.'});
    payloads.push_back({0x80, 2, 'N', '.', '.'});
    payloads.push_back({0x80, 2, 'N', 'N', '.'});
    payloads.push_back({0x80, 2, 'N'});
    payloads.push_back({0x80, 2, 'K', '.'});
    payloads.push_back({0x80, 2, 'K', 7, 7, '.'});
    payloads.push_back({0x80, 2, 'M', 1, '.'});
    payloads.push_back({0x80, 2, 'M', 1, 2, 3, '.'});
    payloads.push_back({0x80, 2, 'J', 1, 2, 3, '.'});
    payloads.push_back({0x80, 2, 'J', 1, 2, 3, 4, 5, '.'});
    payloads.push_back({0x80, 2, 'J', 0xff, 0xff, 0xff, 0xff, '.'});
    payloads.push_back({0x80, 2, 'K', 5, 'N'});
    payloads.push_back({0x80, 2, 0x88, '.'});
    payloads.push_back({0x80, 2, 0x89, '.'});
    payloads.push_back({0x80, 2, ')', '.'});
    payloads.push_back({0x80, 2, 'K', '.', '.'});
    payloads.push_back({0x80, 0x02, 'K', 7, 0x2e, 0x80, 0x02, 'K', 8, 0x2e});
    payloads.push_back({'.'});
    payloads.push_back({});
    {
        pickle::Document d;
        std::vector<std::uint8_t> p;
        ASSERT_TRUE(pickle::encode(d, d.call_error("builtins.ValueError: x"), p));
        payloads.push_back(p);
    }
    Reply reused; // one Reply through every case, as the Driver reads them
    for (Encoding enc : {Encoding::legacy, Encoding::pickle, Encoding::binary}) {
        for (std::size_t i = 0; i < payloads.size(); ++i) {
            SCOPED_TRACE(std::to_string(i) + " enc " + std::to_string(static_cast<int>(enc)));
            Message m;
            m.h.handle = handle::FIRST_DYNAMIC;
            m.h.enc = enc;
            m.data = payloads[i];
            const std::string want = decoded_reply_state(m);
            EXPECT_EQ(reply_state(read_reply(m)), want);
            read_reply(m, reused);
            EXPECT_EQ(reply_state(reused), want);
        }
    }
}

TEST(Router, ScalarCallResultsPickleAsTheEncoderWrites) {
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{255}, std::int64_t{256}, std::int64_t{65535},
                           std::int64_t{65536}, std::int64_t{-1}, std::int64_t{-255}, std::int64_t{-65536},
                           std::int64_t{INT32_MIN}, std::int64_t{INT32_MAX}, std::int64_t{INT32_MAX} + 1,
                           std::int64_t{INT32_MIN} - 1, std::int64_t{1} << 40, INT64_MIN, INT64_MAX}) {
        SCOPED_TRACE(v);
        const CallResult r = CallResult::integer(v);
        pickle::Document scratch;
        const auto [doc, root] = r.value(scratch);
        std::vector<std::uint8_t> want;
        ASSERT_TRUE(pickle::encode(*doc, root, want));
        std::uint8_t small[pickle::small::MAX_SCALAR];
        const std::size_t n = r.small_pickle(small);
        std::vector<std::uint8_t> got = {1, 2}; // appended after what the buffer held
        if (r.scalar_pickle(got)) {
            EXPECT_EQ(std::vector<std::uint8_t>(got.begin() + 2, got.end()), want);
            EXPECT_EQ(std::vector<std::uint8_t>(small, small + n), want);
        } else {
            EXPECT_EQ(n, 0u);
            EXPECT_TRUE(v < INT32_MIN || v > INT32_MAX);
            EXPECT_EQ(got, (std::vector<std::uint8_t>{1, 2}));
        }
    }
    {
        const CallResult r = CallResult::none();
        pickle::Document scratch;
        const auto [doc, root] = r.value(scratch);
        std::vector<std::uint8_t> want, got;
        ASSERT_TRUE(pickle::encode(*doc, root, want));
        ASSERT_TRUE(r.scalar_pickle(got));
        EXPECT_EQ(got, want);
        std::uint8_t small[pickle::small::MAX_SCALAR];
        const std::size_t n = r.small_pickle(small);
        EXPECT_EQ(std::vector<std::uint8_t>(small, small + n), want);
    }
    // Results that are no scalar, or an error, are left to the encoder.
    std::vector<std::uint8_t> got;
    CallResult with_doc;
    with_doc.root = with_doc.doc.integer(5);
    EXPECT_FALSE(with_doc.scalar_pickle(got));
    EXPECT_FALSE(CallResult::raise("builtins.ValueError", "x").scalar_pickle(got));
    CallResult failed_int = CallResult::integer(3);
    failed_int.error = "builtins.ValueError: x";
    EXPECT_FALSE(failed_int.scalar_pickle(got));
    EXPECT_TRUE(got.empty());
    std::uint8_t small[pickle::small::MAX_SCALAR];
    EXPECT_EQ(with_doc.small_pickle(small), 0u);
    EXPECT_EQ(failed_int.small_pickle(small), 0u);
    EXPECT_EQ(CallResult::connected(5, "local.5").small_pickle(small), 0u);
}

// A child spawned with no name: the result keeps only the ID, and reads, pickles
// and encodes as the result with "local.<id>" spelt out.
TEST(Router, ConnectedResultsWithTheDefaultNameAreTheNamedOnes) {
    for (std::uint32_t id : {0u, 1u, 9u, 10u, 99999u, 1000000u, std::uint32_t{INT32_MAX}, std::uint32_t{INT32_MAX} + 1,
                             UINT32_MAX}) {
        SCOPED_TRACE(id);
        const std::string name = "local." + std::to_string(id);
        const CallResult quick = CallResult::connected_default(id);
        const CallResult named = CallResult::connected(id, name);
        EXPECT_EQ(quick.doc.size(), 0u);
        char buf[DEFAULT_NAME_BUF];
        EXPECT_EQ(quick.connected_name(buf), name);
        pickle::Document s1, s2;
        const auto [d1, r1] = quick.value(s1);
        const auto [d2, r2] = named.value(s2);
        std::vector<std::uint8_t> want, got;
        ASSERT_TRUE(pickle::encode(*d2, r2, want));
        ASSERT_TRUE(pickle::encode(*d1, r1, got));
        EXPECT_EQ(got, want);
        std::vector<std::uint8_t> p1, p2;
        EXPECT_EQ(quick.scalar_pickle(p1), named.scalar_pickle(p2));
        EXPECT_EQ(p1, p2);
        if (!p1.empty()) {
            EXPECT_EQ(p1, want);
        }
    }
}

TEST(Router, ConnectedResultsPickleAsTheEncoderWritesAndReadBackAsTheDecoderReads) {
    const std::string long_name(300, 'n');
    std::vector<std::vector<std::uint8_t>> payloads;
    for (std::int64_t id : {std::int64_t{0}, std::int64_t{1}, std::int64_t{255}, std::int64_t{256}, std::int64_t{65535},
                            std::int64_t{65536}, std::int64_t{1} << 20, std::int64_t{INT32_MAX}, std::int64_t{-1},
                            std::int64_t{INT32_MIN}, std::int64_t{INT32_MAX} + 1, std::int64_t{1} << 40}) {
        for (const std::string& name : {std::string("local.5"), std::string(), std::string("a"), std::string("id"),
                                        std::string("name"), std::string("msg"), long_name, std::string("caf\xc3\xa9"),
                                        std::string("\x01\n\0x", 4)}) {
            SCOPED_TRACE(std::to_string(id) + " " + name);
            const CallResult r = CallResult::connected(id, name);
            pickle::Document scratch;
            const auto [doc, root] = r.value(scratch);
            std::vector<std::uint8_t> want;
            ASSERT_TRUE(pickle::encode(*doc, root, want));
            payloads.push_back(want);
            std::vector<std::uint8_t> got;
            const bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
            if (r.scalar_pickle(got)) {
                EXPECT_EQ(got, want);
                EXPECT_EQ(payload::connect_reply_id(got), id);
            } else {
                EXPECT_TRUE(!ascii || id < INT32_MIN || id > INT32_MAX);
                EXPECT_TRUE(got.empty());
            }
        }
    }
    // Near misses: every cut of one reply, a byte more, one byte changed anywhere,
    // and other dicts (a bool id, keys in another order, a msg, a fourth key).
    const auto base = payloads.front();
    for (std::size_t n = 0; n < base.size(); ++n) payloads.emplace_back(base.begin(), base.begin() + static_cast<long>(n));
    auto more = base;
    more.push_back('.');
    payloads.push_back(more);
    for (std::size_t i = 0; i < base.size(); ++i)
        for (std::uint8_t x : {std::uint8_t{1}, std::uint8_t{0x80}}) {
            auto changed = base;
            changed[i] ^= x;
            payloads.push_back(changed);
        }
    const auto dict = [&](std::initializer_list<std::pair<const char*, int>> items) {
        pickle::Document d;
        std::vector<pickle::NodeId> v;
        for (const auto& [k, kind] : items) {
            v.push_back(d.str(k));
            v.push_back(kind == 0 ? d.integer(7) : kind == 1 ? d.boolean(true) : kind == 2 ? d.none() : d.str("x"));
        }
        std::vector<std::uint8_t> out;
        EXPECT_TRUE(pickle::encode(d, d.seq(pickle::Kind::dict, std::move(v)), out));
        return out;
    };
    payloads.push_back(dict({{"id", 0}, {"name", 3}, {"msg", 2}}));
    payloads.push_back(dict({{"id", 1}, {"name", 3}, {"msg", 2}}));
    payloads.push_back(dict({{"name", 3}, {"id", 0}, {"msg", 2}}));
    payloads.push_back(dict({{"id", 0}, {"name", 3}, {"msg", 3}}));
    payloads.push_back(dict({{"id", 0}, {"name", 3}, {"msg", 2}, {"x", 2}}));
    payloads.push_back(dict({{"id", 2}, {"name", 2}, {"msg", 3}}));
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        SCOPED_TRACE(i);
        const auto quick = payload::connect_reply_id(payloads[i]);
        if (!quick) continue;
        Message m;
        m.h.handle = handle::FIRST_DYNAMIC;
        m.data = payloads[i];
        const Reply r = read_reply(m);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r.doc[r.root].kind, pickle::Kind::dict);
        const auto& items = r.doc[r.root].items;
        ASSERT_EQ(items.size(), 6u);
        EXPECT_EQ(r.doc[items[0]].s, "id");
        EXPECT_EQ(r.doc[items[1]].kind, pickle::Kind::integer);
        EXPECT_EQ(r.doc[items[1]].i, *quick);
        for (std::size_t k = 2; k < 6; k += 2) EXPECT_NE(r.doc[items[k]].s, "id");
        EXPECT_EQ(r.trailing_bytes, 0u);
    }
}

TEST(Router, UnidirectionalModeBlocksSiblingTraffic) {
    World w(1, true);
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    auto r = inject(w, 0, c2, hdr(c1, c2, c2, 1234), {});
    ASSERT_TRUE(r->got);
    EXPECT_EQ(r->reply.text(), "routing mode prevents forward of message from context 2 to context 1 via context 0");
    // Master to child is local delivery, allowed.
    EXPECT_TRUE(w.call(c1, make_call("posix", std::nullopt, "getpid")).ok());
}

TEST(Router, ReplyFromUnexpectedContextIsRejected) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    bool called = false;
    const auto h = w.sim->master().add_reply_handler(c1, [&](Node&, const Message&) { called = true; });
    auto r = inject(w, 0, c2, hdr(0, c2, c2, h), {});
    EXPECT_FALSE(called);
    ASSERT_TRUE(r->got);
    EXPECT_EQ(r->reply.text(), "reply from unexpected context");
}

TEST(Router, DisconnectCascadeFailsPendingCallsAndRemovesRoutes) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    const ContextId gg = w.spawn_via(g);
    // A slow call to the great-grandchild, then its parent dies mid-call.
    auto c = make_call("mitokit.sim", std::nullopt, "sleep");
    c.args = c.doc.tuple({c.doc.integer(static_cast<std::int64_t>(SEC))});
    Reply got;
    bool done = false;
    w.sim->master().call_async(gg, c, [&](Node&, const Message& m) {
        got = read_reply(m);
        done = true;
    });
    w.sim->run(w.sim->scheduler().now() + 100 * MS);
    w.sim->crash(g);
    w.sim->run();
    ASSERT_TRUE(done);
    EXPECT_TRUE(got.dead);
    EXPECT_EQ(got.dead_reason, "the respondent Context has disconnected");
    EXPECT_FALSE(w.sim->find(gg)->alive()) << "losing its parent ends a context";
    EXPECT_EQ(w.sim->master().routes(), (std::vector<ContextId>{c1}));
    EXPECT_TRUE(w.sim->stale_routes().empty());
    EXPECT_GE(w.sim->per_handle().at(handle::DEL_ROUTE).messages, 2u);
}

TEST(Router, RouteShortcutsFollowTheRouteTableThroughDelRouteCrashAndCascade) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    w.spawn_via(g);
    const auto all_consistent = [&] {
        for (std::size_t i = 0; i < w.sim->node_count(); ++i)
            if (!w.sim->node_at(i).route_cache_consistent()) return false;
        return true;
    };
    EXPECT_TRUE(all_consistent());
    // c1 withdraws its own route at the master: the master's shortcut for c1's stream goes too,
    // so c1's next frame fails the author check as it would by lookup.
    Node& m = w.sim->master();
    m.receive(*m.route_for(c1), frame(0, c1, c1, handle::DEL_ROUTE, 0, to_bytes(std::to_string(c1))));
    w.sim->run();
    EXPECT_TRUE(all_consistent());
    const auto drops = w.note(Note::bad_auth_drop);
    m.receive(*m.route_for(g), frame(0, c1, c1, handle::FORWARD_LOG, 0, payload::build_forward_log("x", 20, "y")));
    w.sim->run();
    EXPECT_EQ(w.note(Note::bad_auth_drop), drops + 1);
    // A crash and its disconnect cascade (routes erased along the way), then a sibling's.
    w.sim->crash(g);
    w.sim->run();
    EXPECT_TRUE(all_consistent());
    w.sim->crash(c2);
    w.sim->run();
    EXPECT_TRUE(all_consistent());
}

TEST(Router, StaleRoutesNamesRoutesToDeadContextsUntilTheCascadeClearsThem) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    w.sim->run();
    w.sim->crash(g);
    // Before the EOF reaches c1 (one link latency), c1 and the master still route to g.
    const auto stale = w.sim->stale_routes();
    ASSERT_EQ(stale.size(), 2u);
    EXPECT_EQ(stale[0], "context 0 still routes to dead context " + std::to_string(g));
    EXPECT_EQ(stale[1], "context " + std::to_string(c1) + " still routes to dead context " + std::to_string(g));
    w.sim->run();
    EXPECT_TRUE(w.sim->stale_routes().empty());
}

TEST(Router, ANativeThatAnswersTwiceSendsOneReply) {
    World w;
    w.functions.add_builtin_module("mitokit.test");
    w.functions.add("mitokit.test", std::nullopt, "twice", [](Node&, const payload::CallFunction&, CallDone done) {
        done(CallResult::integer(1));
        done(CallResult::integer(2));
    });
    const ContextId c1 = w.spawn_from_master();
    const auto replies = [&] {
        const auto& ph = w.sim->per_handle();
        const auto it = ph.find(handle::FIRST_DYNAMIC);
        return it == ph.end() ? std::uint64_t{0} : it->second.messages;
    };
    const auto before = replies();
    for (int i = 0; i < 2; ++i) {
        const Reply r = w.call(c1, make_call("mitokit.test", std::nullopt, "twice"));
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.integer(), 1);
    }
    EXPECT_EQ(replies() - before, 2u);
    EXPECT_EQ(w.note(Note::dead_invalid_handle), 0u);
    EXPECT_EQ(w.note(Note::call_finished), 2u);
}

TEST(Router, AContextsOwnDelRouteLeavesItsDescendantsRoutesBehindAsInTheReference) {
    // Context c1 announces DEL_ROUTE for itself: the master's RouteMonitor takes it
    // (it comes from c1's stream) and forgets its route to c1, though the stream is
    // up. When c1's child g then dies, c1's DEL_ROUTE for g fails the master's
    // auth_id check (no route to c1 any more) and is dropped, as the reference's
    // _async_route drops it: the master keeps a route to dead g.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    Node& m = w.sim->master();
    m.receive(*m.route_for(c1), frame(0, c1, c1, handle::DEL_ROUTE, 0, to_bytes(std::to_string(c1))));
    w.sim->run();
    EXPECT_FALSE(m.route_for(c1));
    ASSERT_TRUE(m.route_for(g));
    w.sim->crash(g);
    w.sim->run();
    EXPECT_GE(w.note(Note::bad_auth_drop), 1u);
    EXPECT_TRUE(m.route_for(g)) << "the DEL_ROUTE for g was dropped";
    EXPECT_EQ(w.sim->stale_routes(), (std::vector<std::string>{"context 0 still routes to dead context " + std::to_string(g)}));
}

TEST(Router, AChildsRouteCarriesTheNameItWasSpawnedWith) {
    // c1's RouteMonitor announces each new child as "id:name": the default
    // "local.<id>" for _proxy_connect(name=None), else the name asked for. The
    // reply names the child the same way.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const auto sent_bytes = [&] {
        const auto& ph = w.sim->per_handle();
        const auto it = ph.find(handle::ADD_ROUTE);
        return it == ph.end() ? std::uint64_t{0} : it->second.bytes;
    };
    for (const std::string name : {"", "web", "local.1"}) {
        SCOPED_TRACE(name);
        auto c = make_call("mitogen.parent", std::nullopt, "_proxy_connect");
        if (!name.empty()) c.kwargs = c.doc.seq(pickle::Kind::kwargs, {c.doc.str("name"), c.doc.str(name)});
        const auto before = sent_bytes();
        const Reply r = w.call(c1, c);
        ASSERT_TRUE(r.ok());
        const auto& d = r.doc[r.root];
        const auto g = static_cast<ContextId>(r.doc[d.items.at(1)].i);
        const std::string want = name.empty() ? "local." + std::to_string(g) : name;
        EXPECT_EQ(r.doc[d.items.at(3)].s, want);
        EXPECT_EQ(sent_bytes() - before, HEADER_SIZE + (std::to_string(g) + ":" + want).size());
        EXPECT_TRUE(w.sim->master().route_for(g));
    }
}

TEST(Router, AnAddRouteGoesUpAsRouteMonitorWritesIt) {
    // c1 takes routes its child g announces and sends each up in the form
    // _send_one writes, "id" or "id:name": what came in that form goes up as it
    // came, "id:" goes up as "id", and a number Python's int() reads in another
    // spelling goes up in its own.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    Node& n1 = *w.sim->find(c1);
    Node& m = w.sim->master();
    const StreamId to_g = *n1.route_for(g);
    const auto sent_bytes = [&] { return w.sim->per_handle().at(handle::ADD_ROUTE).bytes; };
    const std::pair<std::string, std::string> cases[] = {
        {"700001", "700001"},         {"700002:nm", "700002:nm"}, {"700003:", "700003"},
        {"0700004", "700004"},        {"700005:a:b", "700005:a:b"}, {"12345678901:x", ""},
    };
    for (const auto& [in, up] : cases) {
        SCOPED_TRACE(in);
        const auto before = sent_bytes();
        n1.receive(to_g, frame(c1, g, g, handle::ADD_ROUTE, 0, to_bytes(in)));
        w.sim->run();
        if (up.empty()) {
            EXPECT_EQ(sent_bytes(), before) << "no such ID: nothing goes up";
            continue;
        }
        EXPECT_EQ(sent_bytes() - before, HEADER_SIZE + up.size());
        const auto id = static_cast<ContextId>(std::stoul(up));
        EXPECT_EQ(n1.route_for(id), std::optional<StreamId>(to_g));
        EXPECT_EQ(m.route_for(id), m.route_for(c1));
    }
}

TEST(Router, AForgedAddRouteForASiblingOutlivesItAsInTheReference) {
    // Grandchild g sends its parent c1 an ADD_ROUTE for c2, the master's other child.
    // c1 takes it on trust (its route for c2 was the parent fallback, which 0.3.3's
    // _on_add_route does not count as a duplicate) and passes it up; the master has
    // a real route to c2 and refuses it. When c2 dies, the master's DEL_ROUTE goes
    // down only on streams whose peers sent to c2 (none), so c1 keeps its route.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    Node& n1 = *w.sim->find(c1);
    Node& m = w.sim->master();
    const StreamId to_g = *n1.route_for(g);
    const StreamId to_c2 = *m.route_for(c2);
    n1.receive(to_g, frame(c1, g, g, handle::ADD_ROUTE, 0, to_bytes(std::to_string(c2) + ":forged")));
    w.sim->run();
    EXPECT_EQ(n1.route_for(c2), std::optional<StreamId>(to_g));
    EXPECT_EQ(w.note(Note::duplicate_route), 1u);
    EXPECT_EQ(m.route_for(c2), std::optional<StreamId>(to_c2));
    w.sim->crash(c2);
    w.sim->run();
    EXPECT_FALSE(m.route_for(c2));
    EXPECT_EQ(w.sim->stale_routes(),
              (std::vector<std::string>{"context " + std::to_string(c1) + " still routes to dead context " +
                                        std::to_string(c2)}));
}

TEST(Router, AForgedAddRouteForADeadContextIsTakenUpToTheMasterAsInTheReference) {
    // c2 is gone and every route to it with it. Then grandchild g sends an ADD_ROUTE
    // for c2: its parent c1 takes it (its route for c2 is the parent fallback), and
    // so does the master, which has no parent and so no current route at all.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId c2 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    w.sim->crash(c2);
    w.sim->run();
    ASSERT_TRUE(w.sim->stale_routes().empty());
    Node& n1 = *w.sim->find(c1);
    n1.receive(*n1.route_for(g), frame(c1, g, g, handle::ADD_ROUTE, 0, to_bytes(std::to_string(c2))));
    w.sim->run();
    EXPECT_EQ(w.note(Note::duplicate_route), 0u);
    EXPECT_EQ(w.sim->master().route_for(c2), w.sim->master().route_for(c1));
    EXPECT_EQ(w.sim->stale_routes(),
              (std::vector<std::string>{"context 0 still routes to dead context " + std::to_string(c2),
                                        "context " + std::to_string(c1) + " still routes to dead context " +
                                            std::to_string(c2)}));
}

TEST(Router, ARouteToAContextThatNeverWasIsStaleToo) {
    // A grandchild announces IDs no context has: one the allocator may yet reach
    // and one far past any it hands out. Both are routes to no live context.
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    w.sim->run();
    ASSERT_TRUE(w.sim->stale_routes().empty());
    Node& n1 = *w.sim->find(c1);
    const ContextId never = 4242, far = 0xfffffff0u;
    for (const ContextId id : {never, far})
        n1.receive(*n1.route_for(g), frame(c1, g, g, handle::ADD_ROUTE, 0, to_bytes(std::to_string(id))));
    w.sim->run();
    auto stale = w.sim->stale_routes();
    std::sort(stale.begin(), stale.end());
    std::vector<std::string> want;
    for (const ContextId at : {ContextId{0}, c1})
        for (const ContextId id : {never, far})
            want.push_back("context " + std::to_string(at) + " still routes to dead context " + std::to_string(id));
    std::sort(want.begin(), want.end());
    EXPECT_EQ(stale, want);
}

TEST(Router, CallChainsRememberFailureUntilForgotten) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    auto fail = make_call("mitokit.sim", std::nullopt, "fail", "chain-1");
    fail.args = fail.doc.tuple({fail.doc.str("boom")});
    auto r = w.call(c1, fail);
    ASSERT_TRUE(r.call_error);
    EXPECT_EQ(*r.call_error, "builtins.RuntimeError: boom");
    auto r2 = w.call(c1, make_call("posix", std::nullopt, "getpid", "chain-1"));
    ASSERT_TRUE(r2.call_error) << "the chain remembers its failure";
    EXPECT_EQ(*r2.call_error, "builtins.RuntimeError: boom");
    EXPECT_EQ(w.call(c1, make_call("posix", std::nullopt, "getpid", "chain-2")).integer(), 1);
    auto forget = make_call("mitogen.core", "Dispatcher", "forget_chain");
    forget.args = forget.doc.tuple({forget.doc.str("chain-1")});
    EXPECT_TRUE(w.call(c1, forget).ok());
    EXPECT_EQ(w.call(c1, make_call("posix", std::nullopt, "getpid", "chain-1")).integer(), 1);
    auto missing = w.call(c1, make_call("posix", std::nullopt, "nosuch"));
    ASSERT_TRUE(missing.call_error);
    EXPECT_EQ(*missing.call_error, "builtins.AttributeError: module 'posix' has no attribute 'nosuch'");
    // getattr(module, klass) fails first for a class the module lacks, as in the reference.
    auto no_class = w.call(c1, make_call("mitogen.core", "NoSuchClass", "forget_chain"));
    ASSERT_TRUE(no_class.call_error);
    EXPECT_EQ(*no_class.call_error, "builtins.AttributeError: module 'mitogen.core' has no attribute 'NoSuchClass'");
    auto no_method = w.call(c1, make_call("mitogen.core", "Dispatcher", "nosuch"));
    ASSERT_TRUE(no_method.call_error);
    EXPECT_EQ(*no_method.call_error, "builtins.AttributeError: type object 'Dispatcher' has no attribute 'nosuch'");
}

TEST(Router, LogsReachTheMasterSink) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    auto c = make_call("mitokit.sim", std::nullopt, "log");
    c.args = c.doc.tuple({c.doc.integer(5)});
    EXPECT_TRUE(w.call(g, c).ok());
    EXPECT_EQ(w.sim->log_records(), 5u);
    EXPECT_EQ(w.sim->per_handle().at(handle::FORWARD_LOG).messages, 10u) << "5 records, 2 hops each";
    // More records than MAX_LOGS_PER_CALL, or fewer than none: a ValueError, nothing sent.
    for (const std::int64_t n : {MAX_LOGS_PER_CALL + 1, std::int64_t{-1}}) {
        auto big = make_call("mitokit.sim", std::nullopt, "log");
        big.args = big.doc.tuple({big.doc.integer(n)});
        const auto r = w.call(g, big);
        ASSERT_TRUE(r.call_error) << n;
        EXPECT_EQ(*r.call_error, "builtins.ValueError: log() needs a count of 0..100000") << n;
    }
    EXPECT_EQ(w.sim->log_records(), 5u);
}

TEST(Router, ShutdownEndsTheWholeTree) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    w.spawn_via(c1);
    w.spawn_from_master();
    w.sim->master().shutdown();
    w.sim->run();
    EXPECT_EQ(w.sim->alive_count(), 0u);
    EXPECT_GE(w.sim->per_handle().at(handle::SHUTDOWN).messages, 3u);
}

TEST(Router, ShutdownLetsAnIntermediateReportItsChildGoneBeforeItExits) {
    // Broker._broker_shutdown waits for the child streams: c1 sees c2 leave while
    // its parent stream is still open, and sends DEL_ROUTE for it up first.
    World w;
    const ContextId c1 = w.spawn_from_master();
    w.spawn_via(c1);
    w.sim->master().shutdown();
    w.sim->run();
    EXPECT_EQ(w.sim->alive_count(), 0u);
    ASSERT_TRUE(w.sim->per_handle().count(handle::DEL_ROUTE)) << "nobody reported c2 gone";
    EXPECT_EQ(w.sim->per_handle().at(handle::DEL_ROUTE).messages, 1u) << "c1 -> master: DEL_ROUTE for c2";
}

TEST(Router, ShutdownGivesUpWaitingForAChildAfterItsTimeout) {
    World w;
    w.spawn_from_master();
    w.sim->stall_link(0, 10 * SEC); // the SHUTDOWN to the child waits in the link
    const Time t0 = w.sim->now();
    w.sim->master().shutdown();
    w.sim->run(t0 + 2 * SEC);
    EXPECT_TRUE(w.sim->master().alive()) << "the broker waits for its child's stream";
    w.sim->run(t0 + 4 * SEC);
    EXPECT_FALSE(w.sim->master().alive()) << "shutdown_timeout (3 s) has passed";
    w.sim->run();
    EXPECT_EQ(w.sim->alive_count(), 0u);
}

TEST(Router, CorruptBytesMakeTheReceiverDropTheStream) {
    World w;
    const ContextId c1 = w.spawn_from_master();
    w.sim->corrupt_next(0, 0); // master -> child 1
    bool done = false;
    Reply got;
    w.sim->master().call_async(c1, make_call("posix", std::nullopt, "getpid"), [&](Node&, const Message& m) {
        got = read_reply(m);
        done = true;
    });
    w.sim->run();
    ASSERT_TRUE(done);
    EXPECT_TRUE(got.dead);
    EXPECT_EQ(w.note(Note::stream_error), 1u);
    EXPECT_FALSE(w.sim->find(c1)->alive());
}

TEST(Router, AnMjOrMkFrameIsABadMagicToA033ContextWhichDropsTheStream) {
    // 0.3.3 reads only MI headers: the encodings of 0.3.39 on are a bad magic to it.
    for (const Encoding enc : {Encoding::pickle, Encoding::binary}) {
        World w;
        const ContextId c1 = w.spawn_from_master();
        const ContextId c2 = w.spawn_from_master();
        Node& m = w.sim->master();
        Header h = hdr(0, c1, c1, handle::FORWARD_LOG);
        h.enc = enc;
        m.receive(*m.route_for(c1), encode_frame(h, payload::build_forward_log("x", 20, "y")));
        w.sim->run();
        EXPECT_EQ(w.note(Note::stream_error), 1u);
        EXPECT_EQ(w.sim->log_records(), 0u);
        EXPECT_EQ(m.routes(), (std::vector<ContextId>{c2})) << "the stream to c1 and its routes are gone";
        EXPECT_FALSE(w.sim->find(c1)->alive()) << "c1 lost its parent";
    }
}

TEST(Router, APartialHeaderFromAPeerSwallowsTheFramesAfterIt) {
    // The reference reads a stream as back-to-back frames: 8 stray bytes become the
    // front of the next header, and a length within the limit waits for bytes that
    // never come. The stream stays open and mid-frame; the master's log is not reached.
    World w;
    const ContextId c1 = w.spawn_from_master();
    Node& m = w.sim->master();
    const StreamId s = *m.route_for(c1);
    EXPECT_FALSE(m.stream_mid_frame(s));
    const std::vector<std::uint8_t> stray = {'M', 'I', 0, 0, 0, 0, 0, 0};
    m.receive(s, stray);
    EXPECT_TRUE(m.stream_mid_frame(s));
    m.receive(s, frame(0, c1, c1, handle::FORWARD_LOG, 0, std::vector<std::uint8_t>(40, 'a')));
    w.sim->run();
    EXPECT_TRUE(m.stream_open(s));
    EXPECT_TRUE(m.stream_mid_frame(s));
    EXPECT_EQ(w.note(Note::stream_error), 0u);
}

TEST(Determinism, SameSeedSameLogDifferentSeedDifferentInterleaving) {
    auto run = [](std::uint64_t seed) {
        World w(seed);
        const ContextId a = w.spawn_from_master(), b = w.spawn_from_master();
        for (int i = 0; i < 3; ++i) w.spawn_via(a);
        int left = 0;
        for (ContextId t : {a, b, ContextId{3}, ContextId{4}}) {
            ++left;
            w.sim->master().call_async(t, make_call("posix", std::nullopt, "getpid"), [&](Node&, const Message&) { --left; });
        }
        w.sim->run();
        EXPECT_EQ(left, 0);
        return w.sim->events().hash();
    };
    EXPECT_EQ(run(7), run(7));
    EXPECT_NE(run(7), run(8));
}

} // namespace
} // namespace mitokit::sim::testing
