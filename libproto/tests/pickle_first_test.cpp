// decode_first: only the first pickle, as 0.3.3's Message.unpickle (one
// Unpickler, one load()), with the bytes it took; what follows is never read.
#include <gtest/gtest.h>

#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

std::vector<std::uint8_t> cat(std::string_view a, std::string_view b) { return test::unhex(std::string(a) + std::string(b)); }

std::string json_of_first(std::span<const std::uint8_t> in, std::size_t& consumed, const DecodeOptions& opt = {}) {
    Document doc;
    auto used = decode_first(in, doc, opt);
    if (!used) return "ERR " + used.error().message;
    consumed = *used;
    if (doc.roots().size() != 1) return "ERR roots: " + std::to_string(doc.roots().size());
    std::string out;
    if (auto st = to_json(doc, doc.root(), out); !st) return "ERR json: " + st.error().message;
    return out;
}

TEST(PickleFirst, ReportsTheBytesTheFirstPickleTook) {
    std::size_t used = 0;
    EXPECT_EQ(json_of_first(cat("80024b012e", "80024b022e"), used), "1");
    EXPECT_EQ(used, 5u);
    EXPECT_EQ(json_of_first(test::unhex("8002284b014b0274"
                                        "2e"),
                            used),
              "{\"tuple\":[1,2]}");
    EXPECT_EQ(used, 9u); // nothing after it: all of the input
    // Text opcodes end at their newline; the pickle ends at its own STOP.
    EXPECT_EQ(json_of_first(cat("49350a2e", "0a0a2e"), used), "5");
    EXPECT_EQ(used, 4u);
    // A second STOP right after the first is trailing, not an empty-stack error.
    EXPECT_EQ(json_of_first(cat("80024b012e", "2e"), used), "1");
    EXPECT_EQ(used, 5u);
}

TEST(PickleFirst, BytesAfterTheStopAreNotRead) {
    // Each tail fails the sequence decode in its own way; decode_first never sees it.
    struct Tail {
        const char* hex;
        const char* sequence_error;
    };
    const Tail tails[] = {
        {"ff00", "invalid load key, '\\xff'."},
        {"67617262616765", "pickle data was truncated (GET at offset 5)"}, // "garbage": a GET without its newline
        {"2e", "unpickling stack underflow"},
        {"8002635f5f6275696c74696e5f5f0a7365740a29522e", "cannot unpickle '__builtin__'/'set'"},
        {"800268052e", "Memo value not found at index 5"},
        {"28800258", "pickle data was truncated"},
    };
    for (const Tail& t : tails) {
        SCOPED_TRACE(t.hex);
        const auto bytes = cat("80024b072e", t.hex);
        Document doc;
        auto seq = decode(bytes, doc);
        ASSERT_FALSE(seq);
        EXPECT_NE(seq.error().message.find(t.sequence_error), std::string::npos) << seq.error().message;
        auto used = decode_first(bytes, doc);
        ASSERT_TRUE(used) << used.error().message;
        EXPECT_EQ(*used, 5u);
        ASSERT_EQ(doc.roots().size(), 1u);
        EXPECT_EQ(doc[doc.root()].i, 7);
    }
    // Nor do the limits count what the tail would build: 100 ints after the STOP.
    std::string many = "80025d7100284b01";
    for (int i = 0; i < 100; ++i) many += "4b01";
    many += "652e";
    DecodeOptions opt;
    opt.limits.max_nodes = 8;
    Document doc;
    EXPECT_FALSE(decode(cat("80024b072e", many), doc, opt));
    auto used = decode_first(cat("80024b072e", many), doc, opt);
    ASSERT_TRUE(used) << used.error().message;
    EXPECT_EQ(*used, 5u);
    // The sequence flag means nothing to decode_first.
    opt = {};
    opt.sequence = false;
    EXPECT_TRUE(decode_first(cat("80024b072e", "80024b082e"), doc, opt));
}

TEST(PickleFirst, ErrorsInsideTheFirstPickleAreDecodesOwn) {
    // Each bad pickle ends with a STOP; the tail after it changes nothing.
    for (const char* bad : {
             "8002635f5f6275696c74696e5f5f0a7365740a29522e", // refused global
             "80024b0129522e",                               // REDUCE on an int
             "800268052e",                                   // BINGET of nothing
             "80022e",                                       // STOP on an empty stack
             "8002ff2e",                                     // no such opcode
         }) {
        SCOPED_TRACE(bad);
        Document doc;
        auto whole = decode(test::unhex(bad), doc);
        ASSERT_FALSE(whole);
        auto first = decode_first(cat(bad, "67617262616765"), doc);
        ASSERT_FALSE(first);
        EXPECT_EQ(first.error().code, whole.error().code);
        EXPECT_EQ(first.error().message, whole.error().message);
        EXPECT_EQ(first.error().offset, whole.error().offset);
    }
    // No STOP at all, and no input at all: the same errors as decode's.
    for (const char* cut : {"80024b", ""}) {
        SCOPED_TRACE(cut);
        Document doc;
        auto whole = decode(test::unhex(cut), doc);
        auto first = decode_first(test::unhex(cut), doc);
        ASSERT_FALSE(whole);
        ASSERT_FALSE(first);
        EXPECT_EQ(first.error().message, whole.error().message);
        EXPECT_EQ(first.error().offset, whole.error().offset);
    }
}

// The reference itself (Message.unpickle of 0.3.3 via the oracle) on pickles with
// a tail: same value, or both refuse.
TEST(PickleFirst, MitogenAgrees) {
    const std::vector<std::string> hexes = {
        "80024b012e" "67617262616765",
        "80025805000000666972737471002e" "80026800852e", // 0.3.52 multi_pickle: first only
        "8002284b014b02742e" "ff",
        "49350a2e" "67617262616765",
        "80024b012e" "2e",
        "8004950a000000000000004b012e" "67617262616765", // FRAME reaching into the tail: it exists
        "8004950a000000000000004b012e" "676172626167",   // one byte short: truncated
        "8002635f5f6275696c74696e5f5f0a7365740a29522e" "67",
        "2e" "4b01",
    };
    const auto theirs = test::oracle("loads", hexes);
    ASSERT_EQ(theirs.size(), hexes.size()) << "the oracle did not answer (python: " MITOKIT_PYTHON ")";
    int accepted = 0;
    for (std::size_t i = 0; i < hexes.size(); ++i) {
        SCOPED_TRACE(hexes[i]);
        std::size_t used = 0;
        const std::string ours = json_of_first(test::unhex(hexes[i]), used);
        const bool they_refuse = theirs[i].rfind("ERR", 0) == 0;
        EXPECT_EQ(ours.rfind("ERR", 0) == 0, they_refuse) << "ours: " << ours << "\nmitogen: " << theirs[i];
        if (!they_refuse) {
            EXPECT_EQ(ours, theirs[i]);
            ++accepted;
        }
    }
    EXPECT_EQ(accepted, 6);
}

} // namespace
} // namespace mitokit::pickle
