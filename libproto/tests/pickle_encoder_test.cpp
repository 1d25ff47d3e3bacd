// The protocol-2 encoder: the reference's own hex examples, CPython's bytes for
// hand-picked edge cases (batching, memo past 255, LONG1/LONG4, shared objects),
// the 0.3.39+ top-level bytes form, sequences sharing one memo, and refusals.
#include <gtest/gtest.h>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

TEST(PickleEncoder, ProtocolNotesExamples) {
    // §8 CALL_FUNCTION os.getpid(), as captured.
    EXPECT_EQ(test::encode_json(R"({"tuple":[null,"posix",null,"getpid",{"tuple":[]},{"kwargs":[]}]})"),
              "8002284e5805000000706f73697871004e5806000000676574706964710129636d69746f67656e2e636f72650a4b77617267730a71027d71038571045271057471062e");
    // §8 Context(5, 'name').
    EXPECT_EQ(test::encode_json(R"({"context":[5,"name"]})"),
              "8002636d69746f67656e2e636f72650a5f756e7069636b6c655f636f6e746578740a71004b0558040000006e616d6571018671025271032e");
    // §3 b'\x00\xff' and b''.
    EXPECT_EQ(test::encode_json(R"({"bytes":"AP8="})"),
              "8002635f636f646563730a656e636f64650a7100580300000000c3bf710158060000006c6174696e31710286710352710" "42e");
    EXPECT_EQ(test::encode_json(R"({"bytes":""})"), "8002635f5f6275696c74696e5f5f0a62797465730a7100295271012e");
    // §3 'hé'.
    EXPECT_EQ(test::encode_json(R"("h\u00e9")"), "80025803000000" "68c3a9" "71002e");
    // §8 the reply 6894 and ALLOCATE_ID's (2, 1002).
    EXPECT_EQ(test::encode_json("6894"), "80024dee1a2e");
    EXPECT_EQ(test::encode_json(R"({"tuple":[2,1002]})"), "80024b024dea038671002e");
}

TEST(PickleEncoder, UpstreamTopLevelBytes) {
    EncodeOptions opt;
    opt.upstream_top_bytes = true;
    EXPECT_EQ(test::encode_json(R"({"bytes":"AAFiaW5hcnn/"})", opt), "80025409000000000162696e617279ff2e");
    EXPECT_EQ(test::encode_json(R"({"bytes":""})", opt), "800254000000002e");
    // Nested bytes and a top-level Blob keep the _codecs.encode form.
    EXPECT_EQ(test::encode_json(R"({"tuple":[{"bytes":"YQ=="}]})", opt), test::encode_json(R"({"tuple":[{"bytes":"YQ=="}]})"));
    EXPECT_EQ(test::encode_json(R"({"blob":"YQ=="})", opt), test::encode_json(R"({"blob":"YQ=="})"));
}

TEST(PickleEncoder, SequenceKeepsOneMemo) {
    Document doc;
    const NodeId a = *from_json(R"("a")", doc);
    const NodeId b = *from_json(R"({"tuple":["a","a"]})", doc);
    std::vector<std::uint8_t> out;
    const NodeId roots[] = {a, b};
    ASSERT_TRUE(encode_sequence(doc, roots, out));
    // The cached 'a' of the first pickle is a BINGET in the second.
    EXPECT_EQ(test::hex(out), "80025801000000617100" "2e" "800268006800867101" "2e");
    // Decoding the sequence gives both values back.
    Document back;
    ASSERT_TRUE(decode(out, back));
    ASSERT_EQ(back.roots().size(), 2u);
    // A fresh Encoder, or reset(), starts the numbering again.
    Encoder enc;
    std::vector<std::uint8_t> one, two;
    ASSERT_TRUE(enc.encode(doc, a, one));
    enc.reset();
    ASSERT_TRUE(enc.encode(doc, a, two));
    EXPECT_EQ(one, two);
}

TEST(PickleEncoder, EdgeCasesMatchCPython) {
    std::vector<std::string> values = {
        "[]", "{\"tuple\":[]}", "{\"dict\":[]}", "{\"kwargs\":[]}",
        "{\"tuple\":[1]}", "{\"tuple\":[1,2]}", "{\"tuple\":[1,2,3]}", "{\"tuple\":[1,2,3,4]}",
        "[1]", "{\"dict\":[[1,2]]}", "{\"kwargs\":[[\"a\",1]]}",
        "0", "255", "256", "65535", "65536", "-1", "2147483647", "-2147483648", "2147483648", "-2147483649",
        "{\"int\":\"9223372036854775807\"}", "{\"int\":\"-9223372036854775808\"}", "{\"int\":\"9223372036854775808\"}",
        "{\"int\":\"-9223372036854775809\"}", "{\"int\":\"-128\"}", "{\"int\":\"-32768\"}", "{\"int\":\"-8388608\"}",
        "{\"float\":\"-0.0\"}", "{\"float\":\"nan\"}", "{\"float\":\"-inf\"}", "{\"float\":\"5e-324\"}",
        "\"\"", "\"\\u00ff\"", "\"\\u0100\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\udfff\\ud800\"",
        "{\"tuple\":[\"\",\"\",\"x\",\"x\",\"xy\",\"xy\",\"\\u00e9\",\"\\u00e9\"]}",
        "{\"tuple\":[{\"bytes\":\"\"},{\"bytes\":\"\"},{\"bytes\":\"eA==\"},{\"bytes\":\"eA==\"},\"x\",{\"bytes\":\"eHk=\"},{\"bytes\":\"eHk=\"}]}",
        "{\"tuple\":[{\"secret\":\"\"},\"\",{\"secret\":\"x\"},\"x\",{\"secret\":\"x\"}]}",
        "{\"tuple\":[{\"blob\":\"\"},{\"blob\":\"eA==\"},{\"bytes\":\"eA==\"},{\"blob\":\"eA==\"},{\"blob\":\"eHk=\"}]}",
        "{\"tuple\":[{\"context\":[1,null]},{\"context\":[1,\"\"]},{\"context\":[2,\"x\"]},\"x\",{\"sender\":[1,2]},{\"sender\":[3,4]}]}",
        "{\"tuple\":[{\"call_error\":\"\"},{\"call_error\":\"x\"},\"x\",{\"call_error\":\"boom\"}]}",
        "{\"kwargs\":[[{\"bytes\":\"YQ==\"},1],[\"b\",{\"bytes\":\"YQ==\"}]]}",
        "{\"dict\":[[1,\"a\"],[{\"float\":\"1.0\"},\"b\"],[true,\"c\"]]}",
    };
    auto many = [](std::size_t n, bool dict) {
        std::string s = dict ? "{\"dict\":[" : "[";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) s += ",";
            s += dict ? "[" + std::to_string(i) + "," + std::to_string(i) + "]" : std::to_string(i);
        }
        return s + (dict ? "]}" : "]");
    };
    for (std::size_t n : {2u, 999u, 1000u, 1001u, 2000u, 2001u}) {
        values.push_back(many(n, false));
        values.push_back(many(n, true));
    }
    // Past 255 memo entries: LONG_BINPUT, then a LONG_BINGET of a cached string.
    std::string long_memo = "[\"q\"";
    for (int i = 0; i < 300; ++i) long_memo += ",\"s" + std::to_string(i) + "\"";
    values.push_back(long_memo + ",\"q\"]");
    values.push_back("{\"int\":\"" + std::string("1") + std::string(700, '0') + "\"}"); // LONG4
    values.push_back("{\"int\":\"-" + std::string("1") + std::string(700, '0') + "\"}");
    const auto expected = test::oracle("dumps", values);
    ASSERT_EQ(expected.size(), values.size()) << "the oracle did not answer";
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(test::encode_json(values[i]), expected[i]) << values[i].substr(0, 200);
}

TEST(PickleEncoder, RefusesKindsWithoutCanonicalJson) {
    struct {
        const char* hex;
        const char* message;
    } cases[] = {
        {"80048f284b01902e", "cannot encode a set"},
        {"8004284b01912e", "cannot encode a frozenset"},
        {"800596010000000000000061" "2e", "cannot encode a bytearray"},
        {"80059601000000000000006198" "2e", "cannot encode a memoryview"},
        {"8002636d69746f67656e2e636f72650a426c6f620a2e", "cannot encode a type"},
        {"80025d8f61" "2e", "cannot encode a set"},
    };
    for (const auto& c : cases) {
        Document doc;
        ASSERT_TRUE(decode(test::unhex(c.hex), doc)) << c.hex;
        std::vector<std::uint8_t> out{1, 2, 3};
        auto st = encode(doc, doc.root(), out);
        ASSERT_FALSE(st) << c.hex;
        EXPECT_EQ(st.error().code, Errc::unsupported);
        EXPECT_NE(st.error().message.find(c.message), std::string::npos) << st.error().message;
        EXPECT_EQ(out.size(), 3u) << "a failed encode leaves the output as it was";
    }
}

TEST(PickleEncoder, RefusesAForeignRoot) {
    Document doc;
    doc.none();
    std::vector<std::uint8_t> out;
    auto st = encode(doc, 5, out);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("encode: root 5 is not a node of the document"), std::string::npos);
}

TEST(PickleEncoder, SharedNodesAreWrittenAgain) {
    // A decoded DAG (BINGET of a list) encodes as two fresh lists, as CPython
    // would write two equal objects.
    Document doc;
    ASSERT_TRUE(decode(test::unhex("80025d71004b01616800862e"), doc));
    std::vector<std::uint8_t> out;
    ASSERT_TRUE(encode(doc, doc.root(), out));
    EXPECT_EQ(test::hex(out), test::encode_json("{\"tuple\":[[1],[1]]}"));
}

} // namespace
} // namespace mitokit::pickle
