// Canonical JSON (value-json.md): the writer prints what value_json.py's
// to_json prints, the reader builds what its from_json builds, and every
// malformed text is refused with the offset and what was expected.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "../src/pickle/base64.hpp"
#include "../src/pickle/pynumber.hpp"
#include "mitokit/pickle/json.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

std::string repr(double v) {
    std::string s;
    detail::float_repr(v, s);
    return s;
}

TEST(PickleJson, FloatReprIsPythons) {
    EXPECT_EQ(repr(1e16), "1e+16");
    EXPECT_EQ(repr(1e15), "1000000000000000.0");
    EXPECT_EQ(repr(0.0001), "0.0001");
    EXPECT_EQ(repr(0.00001), "1e-05");
    EXPECT_EQ(repr(5e-324), "5e-324");
    EXPECT_EQ(repr(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(repr(0.1), "0.1");
    EXPECT_EQ(repr(1.0 / 3), "0.3333333333333333");
    EXPECT_EQ(repr(123456789.0), "123456789.0");
    EXPECT_EQ(repr(-0.0), "-0.0");
    EXPECT_EQ(repr(0.0), "0.0");
    EXPECT_EQ(repr(2.5), "2.5");
    EXPECT_EQ(repr(1e22), "1e+22");
    EXPECT_EQ(repr(9007199254740993.0), "9007199254740992.0");
    EXPECT_EQ(repr(1e-7), "1e-07");
    EXPECT_EQ(repr(123456789012345680000.0), "1.2345678901234568e+20");
    EXPECT_EQ(repr(0.000123), "0.000123");
    EXPECT_EQ(repr(1.5e300), "1.5e+300");
    EXPECT_EQ(repr(-1e-320), "-1e-320");
    EXPECT_EQ(repr(100.0), "100.0");
    EXPECT_EQ(repr(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(repr(-std::numeric_limits<double>::infinity()), "-inf");
    EXPECT_EQ(repr(std::nan("")), "nan");
}

TEST(PickleJson, WriterForms) {
    Document doc;
    auto js = [&](NodeId id) {
        std::string s;
        EXPECT_TRUE(to_json(doc, id, s));
        return s;
    };
    EXPECT_EQ(js(doc.integer(9007199254740991)), "9007199254740991");
    EXPECT_EQ(js(doc.integer(9007199254740992)), "{\"int\":\"9007199254740992\"}");
    EXPECT_EQ(js(doc.integer(-9007199254740991)), "-9007199254740991");
    EXPECT_EQ(js(doc.integer(-9007199254740992)), "{\"int\":\"-9007199254740992\"}");
    EXPECT_EQ(js(doc.integer_text("-123456789012345678901234567890")), "{\"int\":\"-123456789012345678901234567890\"}");
    EXPECT_EQ(js(doc.str(std::string("q\"b\\s/\x01\x7f\n", 9))), "\"q\\\"b\\\\s/\\u0001\\u007f\\u000a\"");
    EXPECT_EQ(js(doc.str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")), "\"\\u00e9\\u20ac\\ud83d\\ude00\"");
    EXPECT_EQ(js(doc.str("\xed\xa0\x80")), "\"\\ud800\""); // a lone surrogate as itself
    EXPECT_EQ(js(doc.bytes(std::string("\x00\xff", 2))), "{\"bytes\":\"AP8=\"}");
    EXPECT_EQ(js(doc.blob("ab")), "{\"blob\":\"YWI=\"}");
    EXPECT_EQ(js(doc.secret("pw")), "{\"secret\":\"pw\"}");
    EXPECT_EQ(js(doc.call_error("boom")), "{\"call_error\":\"boom\"}");
    const std::string name = "n";
    EXPECT_EQ(js(doc.context(5, &name)), "{\"context\":[5,\"n\"]}");
    EXPECT_EQ(js(doc.context(5, nullptr)), "{\"context\":[5,null]}");
    EXPECT_EQ(js(doc.sender(2, 1003)), "{\"sender\":[2,1003]}");
    const NodeId k = doc.str("k");
    const NodeId v = doc.none();
    EXPECT_EQ(js(doc.seq(Kind::dict, {k, v})), "{\"dict\":[[\"k\",null]]}");
    EXPECT_EQ(js(doc.seq(Kind::kwargs, {k, v})), "{\"kwargs\":[[\"k\",null]]}");
    EXPECT_EQ(js(doc.tuple({doc.boolean(true), doc.boolean(false), doc.floating(1.5)})), "{\"tuple\":[true,false,{\"float\":\"1.5\"}]}");
    EXPECT_EQ(js(doc.list({})), "[]");
}

TEST(PickleJson, WriterRefusesKindsWithoutJson) {
    Document doc;
    const struct {
        Kind kind;
        const char* text;
    } cases[] = {{Kind::set, "<class 'set'>"}, {Kind::frozenset, "<class 'frozenset'>"}, {Kind::bytearray, "<class 'bytearray'>"},
                 {Kind::memoryview, "<class 'memoryview'>"}, {Kind::global, "<class 'function'>"}};
    for (const auto& c : cases) {
        const NodeId id = doc.alloc(c.kind);
        std::string s = "keep";
        auto st = to_json(doc, doc.list({id}), s);
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error().code, Errc::unsupported);
        EXPECT_EQ(st.error().message, std::string("no canonical JSON for ") + c.text);
        EXPECT_EQ(s, "keep");
    }
    std::string s;
    auto st = to_json(doc, 99999, s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("to_json: root 99999 is not a node of the document"), std::string::npos);
}

std::string roundtrip(std::string_view text) {
    Document doc;
    auto r = from_json(text, doc);
    if (!r) return "ERR " + r.error().message;
    std::string out;
    auto st = to_json(doc, *r, out);
    if (!st) return "ERR " + st.error().message;
    return out;
}

TEST(PickleJson, CanonicalTextRoundTrips) {
    for (const char* t : {"null", "true", "false", "0", "-5", "[]", "[1,[2,[3]]]", "\"\"", "\"a\\u00e9\\ud83d\\ude00\\udc00\"",
                          "{\"int\":\"-9223372036854775809\"}", "{\"float\":\"1e+100\"}", "{\"float\":\"-0.0\"}", "{\"float\":\"nan\"}",
                          "{\"bytes\":\"AAFiaW5hcnn/\"}", "{\"blob\":\"\"}", "{\"secret\":\"x\"}", "{\"call_error\":\"e\\u000a\"}",
                          "{\"tuple\":[{\"tuple\":[]},[],{\"dict\":[]}]}", "{\"dict\":[[{\"tuple\":[1,\"a\"]},{\"kwargs\":[[\"k\",1]]}]]}",
                          "{\"context\":[3,null]}", "{\"context\":[3,\"web\"]}", "{\"sender\":[0,1]}"})
        EXPECT_EQ(roundtrip(t), t);
}

TEST(PickleJson, ReaderBuildsWhatFromJsonBuilds) {
    // Whitespace and plain JSON numbers, as json.loads reads them.
    EXPECT_EQ(roundtrip(" [ 1 , 2.5 , -0 , 1e2 , 12345678901234567890 ] "),
              "[1,{\"float\":\"2.5\"},0,{\"float\":\"100.0\"},{\"int\":\"12345678901234567890\"}]");
    EXPECT_EQ(roundtrip("[NaN,Infinity,-Infinity,1e400]"), "[{\"float\":\"nan\"},{\"float\":\"inf\"},{\"float\":\"-inf\"},{\"float\":\"inf\"}]");
    EXPECT_EQ(roundtrip("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "\"\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\"");
    // dict() semantics: equal keys collapse (1 == 1.0 == True), the first key stays.
    EXPECT_EQ(roundtrip("{\"dict\":[[1,\"a\"],[{\"float\":\"1.0\"},\"b\"],[true,\"c\"],[2,\"d\"]]}"), "{\"dict\":[[1,\"c\"],[2,\"d\"]]}");
    // Kwargs() decodes bytes keys.
    EXPECT_EQ(roundtrip("{\"kwargs\":[[{\"bytes\":\"YQ==\"},1],[\"a\",2]]}"), "{\"kwargs\":[[\"a\",2]]}");
    // Context() keeps a name only if it is truthy.
    EXPECT_EQ(roundtrip("{\"context\":[3,\"\"]}"), "{\"context\":[3,null]}");
    // Secret(x) is str(x); int() and float() read Python's forms.
    EXPECT_EQ(roundtrip("{\"secret\":5}"), "{\"secret\":\"5\"}");
    EXPECT_EQ(roundtrip("{\"secret\":null}"), "{\"secret\":\"None\"}");
    // ... of what json.loads made, not of a built value (value_json.py's Secret(x)).
    EXPECT_EQ(roundtrip("{\"secret\":[1,1.5,true,null,\"it's\",{\"int\":\"5\"}]}"),
              "{\"secret\":\"[1, 1.5, True, None, \\\"it's\\\", {'int': '5'}]\"}");
    EXPECT_EQ(roundtrip("{\"secret\":{\"tuple\":[]}}"), "{\"secret\":\"{'tuple': []}\"}");
    EXPECT_EQ(roundtrip("{\"int\":\" -1_000 \"}"), "-1000");
    EXPECT_EQ(roundtrip("{\"int\":5}"), "5");
    EXPECT_EQ(roundtrip("{\"float\":\" Infinity \"}"), "{\"float\":\"inf\"}");
    EXPECT_EQ(roundtrip("{\"float\":2}"), "{\"float\":\"2.0\"}");
    // float() takes underscores between digits and overflows to inf (value_json.py's
    // from_json builds these; the unpickler's FLOAT opcode refuses both).
    EXPECT_EQ(roundtrip("{\"float\":\"1_0.5\"}"), "{\"float\":\"10.5\"}");
    EXPECT_EQ(roundtrip("{\"float\":\"-1e400\"}"), "{\"float\":\"-inf\"}");
    EXPECT_EQ(roundtrip("{\"float\":1e400}"), "{\"float\":\"inf\"}");
    // b64decode skips characters outside the alphabet.
    EXPECT_EQ(roundtrip("{\"bytes\":\"YW\\nJj\"}"), "{\"bytes\":\"YWJj\"}");
}

TEST(PickleJson, ReaderErrors) {
    const struct {
        const char* text;
        const char* message;
    } cases[] = {
        {"", "expected a value, found the end of the text at offset 0"},
        {"nul", "expected a value at offset 0"},
        {"[1,]", "expected a value at offset 3"},
        {"[1 2]", "expected ',' or ']' at offset 3"},
        {"1 2", "extra data after the value at offset 2"},
        {"-", "expected a value at offset 0"},
        {"1.", "expected digits after '.' at offset 2"},
        {"1e", "expected digits in the exponent at offset 2"},
        {"\"abc", "unterminated string at offset 4"},
        {"\"a\nb\"", "invalid control character in a string at offset 2"},
        {"\"\\x\"", "invalid escape in a string at offset 3"},
        {"\"\\u12\"", "invalid \\uXXXX escape at offset 3"},
        {"\"\xff\"", "text is not UTF-8 (invalid start byte) at offset 1"},
        {"\"\xed\xa0\x80\"", "text is not UTF-8 (invalid continuation byte) at offset 1"},
        {"{1:2}", "expected a tag such as \"tuple\" at offset 1"},
        {"{\"tuple\" []}", "expected ':' at offset 9"},
        {"{\"tuple\":[],\"x\":1}", "a tagged object has exactly one member at offset 11"},
        {"{\"tuple\":[]", "expected '}' at offset 11"},
        {"{\"set\":[]}", "unknown tag 'set'"},
        {"{\"int\":[]}", "{\"int\":...} needs a decimal string"},
        {"{\"int\":\"1x\"}", "invalid literal for int() with base 10: '1x'"},
        {"{\"float\":[]}", "{\"float\":...} needs a string"},
        {"{\"float\":\"one\"}", "could not convert string to float: 'one'"},
        {"{\"float\":\"1__0\"}", "could not convert string to float: '1__0'"},
        {"{\"float\":\"_1\"}", "could not convert string to float: '_1'"},
        {"{\"bytes\":1}", "{\"bytes\":...} needs a base64 string"},
        {"{\"bytes\":\"YWJ\"}", "Incorrect padding"},
        {"{\"blob\":\"YWJjZ\"}", "number of data characters (5) cannot be 1 more than a multiple of 4"},
        {"{\"call_error\":1}", "{\"call_error\":...} needs a string"},
        {"{\"tuple\":1}", "{\"tuple\":...} needs a list"},
        {"{\"dict\":1}", "expected a list of [key,value] pairs"},
        {"{\"dict\":[[1]]}", "expected a [key,value] pair"},
        {"{\"dict\":[[[1],2]]}", "unhashable type: 'list' as a key"},
        {"{\"kwargs\":[[{\"bytes\":\"/w==\"},1]]}", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"},
        {"{\"context\":[1]}", "{\"context\":...} needs a list of two"},
        {"{\"context\":[\"1\",null]}", "a context id must be a 64-bit integer"},
        {"{\"context\":[1,2]}", "a context name must be a string or null"},
        {"{\"sender\":[1,\"2\"]}", "a sender handle must be a 64-bit integer"},
        {"{\"int\":\"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111\"}",
         "Exceeds the limit (4300 digits) for integer string conversion"},
    };
    for (const auto& c : cases) {
        Document doc;
        auto r = from_json(c.text, doc);
        ASSERT_FALSE(r) << c.text;
        EXPECT_EQ(r.error().code, Errc::bad_json);
        EXPECT_NE(r.error().message.find(c.message), std::string::npos) << std::string(c.text).substr(0, 60) << " -> " << r.error().message;
    }
}

TEST(PickleJson, Base64) {
    std::string out, err;
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\x00\xff\x10", 3)}) {
        std::string b64;
        detail::base64_encode(s, b64);
        ASSERT_TRUE(detail::base64_decode(b64, out, err)) << err;
        EXPECT_EQ(out, s);
    }
    std::string b64;
    detail::base64_encode("hello", b64);
    EXPECT_EQ(b64, "aGVsbG8=");
}

TEST(PickleJson, WriterMatchesValueJsonOnDecodedPickles) {
    // Python's own to_json of CPython-made pickles of awkward strings and floats.
    const std::vector<std::string> values = {
        "\"\\u0000\\u001f\\u007f\\u0080\\u00a0\\u00ff\\u2028\\ufeff\\uffff\"", "{\"float\":\"1e-310\"}", "{\"float\":\"123456.789e3\"}",
        "{\"tuple\":[{\"float\":\"0.1\"},{\"float\":\"1e16\"},{\"float\":\"-1e-5\"}]}"};
    std::vector<std::string> requests;
    for (const auto& v : values) requests.push_back("2 " + v);
    const auto pickles = test::oracle("proto", requests);
    ASSERT_EQ(pickles.size(), values.size());
    const auto expected = test::oracle("loads", pickles);
    ASSERT_EQ(expected.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(test::decode_json(test::unhex(pickles[i])), expected[i]);
}

} // namespace
} // namespace mitokit::pickle
