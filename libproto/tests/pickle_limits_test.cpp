// Every named limit of the decoder, the printers and the encoder stops a hostile
// input with Errc::limit and a message naming the limit, instead of hanging or
// allocating without bound.
#include <gtest/gtest.h>

#include <string>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/disassembler.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

std::vector<std::uint8_t> nested_lists(std::size_t n) {
    std::string p = "\x80\x02";
    for (std::size_t i = 0; i < n; ++i) p += ']';
    for (std::size_t i = 1; i < n; ++i) p += 'a';
    p += '.';
    return test::bytes_of(p);
}

// A list that holds two references to the previous one, `levels` times over:
// 2^levels references to the innermost list, from a pickle of a few hundred bytes.
std::vector<std::uint8_t> doubling_lists(unsigned levels) {
    std::vector<std::uint8_t> p = {0x80, 0x02, ']', 'r', 0, 0, 0, 0, 'K', 7, 'a'};
    for (unsigned k = 1; k <= levels; ++k) {
        const std::uint8_t prev[4] = {static_cast<std::uint8_t>(k - 1), 0, 0, 0};
        p.insert(p.end(), {']', '(', 'j'});
        p.insert(p.end(), prev, prev + 4);
        p.push_back('j');
        p.insert(p.end(), prev, prev + 4);
        p.push_back('e');
        p.insert(p.end(), {'r', static_cast<std::uint8_t>(k), 0, 0, 0});
    }
    p.push_back('.');
    return p;
}

Error decode_err(std::span<const std::uint8_t> in, const DecodeOptions& opt) {
    Document doc;
    auto st = decode(in, doc, opt);
    EXPECT_FALSE(st);
    return st ? Error{Errc::usage, "decoded", 0} : st.error();
}

TEST(PickleLimits, ContainerNestingDepth) {
    DecodeOptions opt;
    Document doc;
    EXPECT_TRUE(decode(nested_lists(500), doc, opt));
    const Error e = decode_err(nested_lists(600), opt);
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("containers nest deeper than max_depth=512"), std::string::npos) << e.message;
    opt.limits.max_depth = 10;
    EXPECT_NE(decode_err(nested_lists(12), opt).message.find("max_depth=10"), std::string::npos);
    EXPECT_TRUE(decode(nested_lists(10), doc, opt));
}

TEST(PickleLimits, DictDepthCountsItsValues) {
    // {'a': []} nests two deep and {'a': [[]]} three, through SETITEMS' usual path
    // (a few str keys into an empty dict) as through its general one.
    DecodeOptions opt;
    opt.limits.max_depth = 2;
    Document doc;
    EXPECT_TRUE(decode(test::bytes_of(std::string("\x80\x02}(X\x01\x00\x00\x00" "a]u.", 13)), doc, opt));
    const Error e = decode_err(test::bytes_of(std::string("\x80\x02}(X\x01\x00\x00\x00" "a](]eu.", 16)), opt);
    EXPECT_NE(e.message.find("containers nest deeper than max_depth=2 (SETITEMS at offset 14)"), std::string::npos)
        << e.message;
}

TEST(PickleLimits, MarkDepth) {
    std::string p = "\x80\x02";
    p.append(600, '(');
    const Error e = decode_err(test::bytes_of(p + "N."), {});
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("MARKs nest deeper than max_depth=512 (MARK at offset 514)"), std::string::npos) << e.message;
}

TEST(PickleLimits, MemoEntries) {
    DecodeOptions opt;
    opt.limits.max_memo = 3;
    Document doc;
    EXPECT_TRUE(decode(test::unhex("80024e71004e71014e71022e"), doc, opt));
    const Error e = decode_err(test::unhex("80024e71004e71014e71024e71032e"), opt);
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("memo holds more than max_memo=3 entries (BINPUT at offset 12)"), std::string::npos) << e.message;
    // Re-putting an index does not count twice.
    EXPECT_TRUE(decode(test::unhex("80024e71004e71004e71004e71002e"), doc, opt));
}

TEST(PickleLimits, MemoLimitsHoldWhereABinputFollowsAPush) {
    // ('a', 'b', 'c') with a BINPUT after each str, decoded into a Document whose
    // memo is already grown: the decoder takes such a BINPUT with the push.
    const auto p = test::unhex("8002" "580100000061" "7100" "580100000062" "7101" "580100000063" "7102" "87" "2e");
    Document doc;
    ASSERT_TRUE(decode(p, doc));
    DecodeOptions opt;
    opt.limits.max_memo = 2;
    auto st = decode(p, doc, opt);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "memo holds more than max_memo=2 entries (BINPUT at offset 24)");
    // 3 x 89 for the strs and 2 x 8 for the first BINPUTs come before the third.
    opt = {};
    opt.limits.memory_factor = 0;
    opt.limits.memory_base = 290;
    st = decode(p, doc, opt);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "decoded data exceeds the memory limit (0 x input + 290 bytes) (BINPUT at offset 24)");
    opt.limits.memory_base = 291;
    st = decode(p, doc, opt);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "decoded data exceeds the memory limit (0 x input + 291 bytes) (TUPLE3 at offset 26)");
    // A BINPUT cut short after a push is still a truncation.
    st = decode(test::unhex("8002" "580100000061" "71"), doc);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "pickle data was truncated (BINPUT at offset 8)");
}

TEST(PickleLimits, FarMemoIndexesStaySparse) {
    // LONG_BINPUT 0xfffffff0 must not allocate a 4-billion-entry table.
    Document doc;
    ASSERT_TRUE(decode(test::unhex("80024b0772f0ffffff6af0ffffff862e"), doc));
    std::string js;
    ASSERT_TRUE(to_json(doc, doc.root(), js));
    EXPECT_EQ(js, "{\"tuple\":[7,7]}");
}

TEST(PickleLimits, NodeCount) {
    DecodeOptions opt;
    opt.limits.max_nodes = 5;
    const Error e = decode_err(test::unhex("80025d28" "4b014b024b034b044b05" "652e"), opt);
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("value has more than max_nodes=5 nodes (BININT1 at offset 12)"), std::string::npos) << e.message;
}

TEST(PickleLimits, TupleLimitsComeInTheirOrder) {
    DecodeOptions opt;
    opt.limits.max_depth = 3;
    EXPECT_EQ(test::decode_json(test::unhex("800229858585" "2e"), opt),
              "ERR containers nest deeper than max_depth=3 (TUPLE1 at offset 5)");
    EXPECT_EQ(test::decode_json(test::unhex("8002298585" "2e"), opt), "{\"tuple\":[{\"tuple\":[{\"tuple\":[]}]}]}");
    opt = {};
    opt.limits.max_nodes = 3;
    EXPECT_EQ(test::decode_json(test::unhex("80024b014b024b0387" "2e"), opt), "ERR value has more than max_nodes=3 nodes (TUPLE3 at offset 8)");
    // Three ints take 264 bytes; the tuple 12 for its items, then 88 for its node.
    opt = {};
    opt.limits.memory_factor = 0;
    for (std::size_t base : {275u, 363u})
        EXPECT_EQ(test::decode_json(test::unhex("80024b014b024b0387" "2e"), [&] { auto o = opt; o.limits.memory_base = base; return o; }()),
                  "ERR decoded data exceeds the memory limit (0 x input + " + std::to_string(base) + " bytes) (TUPLE3 at offset 8)");
    opt.limits.memory_base = 364;
    EXPECT_EQ(test::decode_json(test::unhex("80024b014b024b0387" "2e"), opt), "{\"tuple\":[1,2,3]}");
    // The node limit before the depth, as the node is made before its depth is set.
    opt = {};
    opt.limits.max_depth = 1;
    opt.limits.max_nodes = 1;
    EXPECT_EQ(test::decode_json(test::unhex("80022985" "2e"), opt), "ERR value has more than max_nodes=1 nodes (TUPLE1 at offset 3)");
    // TUPLE with an empty MARK makes an empty tuple in the MARK's place.
    EXPECT_EQ(test::decode_json(test::unhex("80024b012874" "862e")), "{\"tuple\":[1,{\"tuple\":[]}]}");
}

TEST(PickleLimits, MemoryRelativeToInput) {
    // bytes(100000000) from a 30-byte pickle.
    const auto p = test::bytes_of(std::string("\x80\x02" "c__builtin__\nbytes\nJ\x00\xe1\xf5\x05\x85R.", 30));
    const Error e = decode_err(p, {});
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("bytes(100000000) exceeds the memory limit (REDUCE at offset 27)"), std::string::npos) << e.message;

    DecodeOptions opt;
    opt.limits.memory_factor = 1;
    opt.limits.memory_base = 0;
    std::string big = "\x80\x02X";
    const std::uint32_t n = 4000;
    big.append(reinterpret_cast<const char*>(&n), 4);
    big.append(n, 'x');
    big += '.';
    const Error e2 = decode_err(test::bytes_of(big), opt);
    EXPECT_EQ(e2.code, Errc::limit);
    EXPECT_NE(e2.message.find("decoded data exceeds the memory limit (1 x input + 0 bytes)"), std::string::npos) << e2.message;
}

TEST(PickleLimits, KwargsOfADictIsChargedAndDeepenedAtItsReduce) {
    // Kwargs({'a': 1}) as pickle.dumps(protocol=2) writes it: 485 bytes charged
    // before the REDUCE at 42, its node's 88 at the REDUCE, the BINPUT's 8 after.
    const auto p = test::unhex("8002636d69746f67656e2e636f72650a4b77617267730a71007d710158010000006171024b01738571035271042e");
    DecodeOptions opt;
    opt.limits.memory_factor = 0;
    opt.limits.memory_base = 572;
    EXPECT_EQ(test::decode_json(p, opt), "ERR decoded data exceeds the memory limit (0 x input + 572 bytes) (REDUCE at offset 42)");
    opt.limits.memory_base = 573;
    EXPECT_EQ(test::decode_json(p, opt), "ERR decoded data exceeds the memory limit (0 x input + 573 bytes) (BINPUT at offset 43)");
    opt.limits.memory_base = 581;
    EXPECT_EQ(test::decode_json(p, opt), "{\"kwargs\":[[\"a\",1]]}");

    // (Kwargs({'a': [[]]}),): the Kwargs nests three deep, as its dict does, and
    // the tuple four. (Its argument tuple, four deep too, meets max_depth first.)
    const auto q = test::unhex("8002636d69746f67656e2e636f72650a4b77617267730a71007d710158010000006171025d71035d710461738571055271068571072e");
    Document doc;
    ASSERT_TRUE(decode(q, doc));
    const Node& top = doc[doc.root()];
    ASSERT_EQ(top.items.size(), 1u);
    EXPECT_EQ(doc[top.items[0]].kind, Kind::kwargs);
    EXPECT_EQ(doc[top.items[0]].i, 3);
    EXPECT_EQ(top.i, 4);
}

TEST(PickleLimits, SecretOfASharedListIsBoundedByTheMemoryLimit) {
    // Secret(x) is str(x): the repr of a list shared 2^40 times would be terabytes.
    auto p = doubling_lists(40);
    p.pop_back(); // the STOP; then Secret((memo[40],))
    static const char tail[] = "cmitogen.core\nSecret\nj\x28\x00\x00\x00\x85R.";
    const std::string secret(tail, sizeof tail - 1);
    p.insert(p.end(), secret.begin(), secret.end());
    const Error e = decode_err(p, {});
    EXPECT_EQ(e.code, Errc::limit);
    EXPECT_NE(e.message.find("str() of a list exceeds the memory limit (REDUCE"), std::string::npos) << e.message;

    // The same list as the args of a CallError that BUILD sets (its str() is the message).
    auto q = doubling_lists(40);
    q.pop_back();
    static const char build[] = "cmitogen.core\nCallError\nX\x01\x00\x00\x00" "a\x85R}X\x04\x00\x00\x00" "args"
                                "j\x28\x00\x00\x00\x85sb.";
    q.insert(q.end(), build, build + sizeof build - 1);
    const Error e2 = decode_err(q, {});
    EXPECT_EQ(e2.code, Errc::limit);
    EXPECT_NE(e2.message.find("str() of CallError.args[0] exceeds the memory limit (BUILD"), std::string::npos) << e2.message;
}

TEST(PickleLimits, AStrThatIsNotModelledIsNamedNotGuessed) {
    // A set of several items prints in hash order: Secret() of it and a CallError
    // whose BUILD args hold it are refused by name, not charged to the budget.
    static const char secret[] = "\x80\x04" "cmitogen.core\nSecret\n(K\x01K\x02\x91\x85R.";
    const Error e = decode_err(std::vector<std::uint8_t>(secret, secret + sizeof secret - 1), {});
    EXPECT_NE(e.code, Errc::limit);
    EXPECT_NE(e.message.find("str() of a frozenset (Secret needs Python's repr of it)"), std::string::npos) << e.message;

    static const char build[] = "\x80\x04" "cmitogen.core\nCallError\nX\x01\x00\x00\x00" "a\x85R}X\x04\x00\x00\x00" "args"
                                "(K\x01K\x02\x91\x85sb.";
    const Error e2 = decode_err(std::vector<std::uint8_t>(build, build + sizeof build - 1), {});
    EXPECT_NE(e2.code, Errc::limit);
    EXPECT_NE(e2.message.find("CallError.args holding a frozenset"), std::string::npos) << e2.message;
}

TEST(PickleLimits, BillionfoldSharedListIsRefusedWhenPrinted) {
    const auto p = doubling_lists(30); // 2^30 references to one list
    ASSERT_LT(p.size(), 1024u);
    Document doc;
    ASSERT_TRUE(decode(p, doc));
    std::string js;
    auto st = to_json(doc, doc.root(), js);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::limit);
    EXPECT_NE(st.error().message.find("canonical JSON exceeds max_output=67108864 bytes"), std::string::npos) << st.error().message;
    EXPECT_TRUE(js.empty()); // nothing half-printed is left behind
    // A smaller budget fails sooner, a large enough one prints.
    EXPECT_FALSE(to_json(doc, doc.root(), js, 1000));
    const auto small = doubling_lists(3);
    ASSERT_TRUE(decode(small, doc));
    ASSERT_TRUE(to_json(doc, doc.root(), js, 1000));
    EXPECT_EQ(js, "[[[[7],[7]],[[7],[7]]],[[[7],[7]],[[7],[7]]]]");
}

TEST(PickleLimits, OneLongStringOverTheBudgetIsRefusedWhenPrinted) {
    // CPython's pickle.dumps('\u00e9' * 100, protocol=2): one str whose JSON is 602 bytes
    // (a live 0.3.3 reply of 'é' * 2**20 printed 6 MB past the plugin's 64 KiB budget).
    std::vector<std::uint8_t> p = {0x80, 0x02, 'X', 0xc8, 0x00, 0x00, 0x00};
    for (int i = 0; i < 100; ++i) p.insert(p.end(), {0xc3, 0xa9});
    p.insert(p.end(), {'q', 0x00, '.'});
    Document doc;
    ASSERT_TRUE(decode(p, doc));
    std::string js;
    auto st = to_json(doc, doc.root(), js, 601);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::limit);
    EXPECT_NE(st.error().message.find("canonical JSON exceeds max_output=601 bytes"), std::string::npos) << st.error().message;
    EXPECT_TRUE(js.empty());
    ASSERT_TRUE(to_json(doc, doc.root(), js, 602));
    EXPECT_EQ(js.size(), 602u);
    // The last item of a list and its closing bracket are charged too: [1, "é"*100] is 606 bytes.
    std::vector<std::uint8_t> l = {0x80, 0x02, ']', 'q', 0x00, '(', 'K', 0x01, 'X', 0xc8, 0x00, 0x00, 0x00};
    for (int i = 0; i < 100; ++i) l.insert(l.end(), {0xc3, 0xa9});
    l.insert(l.end(), {'q', 0x01, 'e', '.'});
    ASSERT_TRUE(decode(l, doc));
    js.clear();
    EXPECT_FALSE(to_json(doc, doc.root(), js, 605));
    EXPECT_TRUE(js.empty());
    EXPECT_TRUE(to_json(doc, doc.root(), js, 606)) << js.size();
}

TEST(PickleLimits, TheUnsharedBudgetPrintsAnyValueWithoutSharingButNotAnExpansion) {
    // CPython's pickle of '\u00e9' * 12 Mi: 24 MiB of UTF-8 whose JSON (\u00e9 each) is 72 MiB, past
    // to_json's default budget; a 128 MiB reply from 0.3.3 can be larger still.
    const std::size_t n = std::size_t{12} << 20;
    std::vector<std::uint8_t> p = {0x80, 0x02, 'X'};
    const std::uint32_t len = static_cast<std::uint32_t>(2 * n);
    for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
    for (std::size_t i = 0; i < n; ++i) p.insert(p.end(), {0xc3, 0xa9});
    p.insert(p.end(), {'q', 0x00, '.'});
    Document doc;
    ASSERT_TRUE(decode(p, doc));
    std::string js;
    EXPECT_FALSE(to_json(doc, doc.root(), js));
    EXPECT_GE(unshared_json_budget(doc), 6 * n + 2);
    ASSERT_TRUE(to_json(doc, doc.root(), js, unshared_json_budget(doc)));
    EXPECT_EQ(js.size(), 6 * n + 2);
    // A value that expands through shared references is still refused.
    Document shared;
    ASSERT_TRUE(decode(doubling_lists(30), shared));
    EXPECT_EQ(unshared_json_budget(shared), std::size_t{64} << 20);
    js.clear();
    EXPECT_FALSE(to_json(shared, shared.root(), js, unshared_json_budget(shared)));
}

TEST(PickleLimits, BillionfoldSharedListIsRefusedWhenEncoded) {
    Document doc;
    ASSERT_TRUE(decode(doubling_lists(30), doc));
    std::vector<std::uint8_t> out;
    EncodeOptions opt;
    opt.max_output = 1 << 20;
    auto st = encode(doc, doc.root(), out, opt);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::limit);
    EXPECT_NE(st.error().message.find("pickle exceeds max_output=1048576 bytes"), std::string::npos) << st.error().message;
    EXPECT_TRUE(out.empty());
}

TEST(PickleLimits, CyclesAreRefusedByPrintersAndEncoder) {
    Document doc;
    ASSERT_TRUE(decode(test::unhex("80025d710068006168002e"), doc)); // a list that contains itself
    std::string js;
    auto st = to_json(doc, doc.root(), js);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("value nests deeper than 1000 levels (or contains itself)"), std::string::npos);
    std::vector<std::uint8_t> out;
    auto e = encode(doc, doc.root(), out);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::limit);
    EXPECT_NE(e.error().message.find("value nests deeper than max_depth=1000 (or contains itself)"), std::string::npos);
}

TEST(PickleLimits, DisassemblerOutput) {
    std::string out;
    const auto p = nested_lists(300);
    auto st = disassemble(p, out, 2000);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::limit);
    EXPECT_NE(st.error().message.find("listing exceeds max_output=2000 bytes"), std::string::npos) << st.error().message;
}

TEST(PickleLimits, JsonReaderDepth) {
    Document doc;
    std::string deep(30, '[');
    deep += std::string(30, ']');
    EXPECT_TRUE(from_json(deep, doc, 40));
    auto r = from_json(deep, doc, 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::bad_json);
    EXPECT_NE(r.error().message.find("JSON nests deeper than max_depth=20"), std::string::npos) << r.error().message;
}

} // namespace
} // namespace mitokit::pickle
