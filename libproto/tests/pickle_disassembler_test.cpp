// The listing matches Python's pickletools.dis line for line on real payloads
// and on CPython's pickles of protocols 0-5; malformed input ends the listing
// with a message naming the problem and its offset.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../src/pickle/text.hpp"
#include "mitokit/pickle/disassembler.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

std::string unjson(const std::string& quoted) {
    // The oracle prints the listing with json.dumps: undo its escapes.
    std::string out;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        if (quoted[i] != '\\') {
            out.push_back(quoted[i]);
            continue;
        }
        const char e = quoted[++i];
        if (e == 'n') out.push_back('\n');
        else if (e == 'u') {
            std::uint32_t cp = static_cast<std::uint32_t>(std::stoul(quoted.substr(i + 1, 4), nullptr, 16));
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && quoted.compare(i + 1, 2, "\\u") == 0) {
                const auto lo = static_cast<std::uint32_t>(std::stoul(quoted.substr(i + 3, 4), nullptr, 16));
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            detail::append_utf8(out, cp);
        } else out.push_back(e);
    }
    return out;
}

std::vector<std::string> sample_pickles() {
    std::vector<std::string> hexes;
    const std::string dir = std::string(MITOKIT_SHARED_DIR) + "/payloads";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".bin" || entry.file_size() > 100000) continue;
        if (entry.path().filename() == "get_module.bin") continue; // a raw payload, not a pickle
        std::ifstream f(entry.path(), std::ios::binary);
        std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(f)), {});
        hexes.push_back(test::hex(data));
    }
    std::vector<std::string> requests;
    const char* values[] = {
        "{\"tuple\":[null,true,false,0,255,65536,-1,{\"int\":\"12345678901234567890\"},{\"float\":\"1.5\"},\"txt\",{\"bytes\":\"YWI=\"}]}",
        "{\"dict\":[[\"k\",[1,2,3]],[\"e\",{\"tuple\":[]}],[\"l\",[]]]}",
        "{\"kwargs\":[[\"a\",{\"blob\":\"AAE=\"}],[\"b\",{\"secret\":\"s\"}]]}",
        "{\"tuple\":[{\"context\":[5,\"web\"]},{\"sender\":[2,1003]},{\"call_error\":\"boom\"}]}",
        "[\"it's\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"tab\\u0009\",\"\\u00e9\"]",
    };
    for (int proto = 0; proto <= 5; ++proto)
        for (const char* v : values) requests.push_back(std::to_string(proto) + " " + v);
    for (const auto& h : test::oracle("proto", requests))
        if (h.rfind("ERR", 0) != 0) hexes.push_back(h);
    // Several pickles in one payload (0.3.52 multi_pickle) share the memo.
    hexes.push_back("80025805000000666972737471002e80027d710158060000007365636f6e6471024b02732e80024b038571032e");
    return hexes;
}

TEST(PickleDisassembler, MatchesPickletools) {
    const auto hexes = sample_pickles();
    ASSERT_GT(hexes.size(), 30u);
    const auto expected = test::oracle("dis", hexes);
    ASSERT_EQ(expected.size(), hexes.size());
    for (std::size_t i = 0; i < hexes.size(); ++i) {
        ASSERT_EQ(expected[i].rfind("ERR", 0), std::string::npos) << expected[i];
        const std::string want = unjson(expected[i]);
        std::string ours;
        auto st = disassemble(test::unhex(hexes[i]), ours);
        ASSERT_TRUE(st) << st.error().message;
        EXPECT_EQ(ours, want) << hexes[i].substr(0, 120);
    }
}

// Text arguments read as pickletools reads them: float() for FLOAT (underscores,
// whitespace, overflow to inf), "00"/"01" as False/True for PUT and GET, escapes
// decoded and ASCII required in GLOBAL/INST/PERSID names and STRING; repr() of str
// escapes exactly what CPython 3.11 finds unprintable.
TEST(PickleDisassembler, TextArgumentsAsPickletoolsReadsThem) {
    const struct {
        const char* name;
        const char* hex;
    } cases[] = {
        {"FLOAT with an underscore (float() accepts it)", "46315f302e350a2e"},
        {"FLOAT overflow is inf for float()", "4631653530300a2e"},
        {"FLOAT overflow is -inf", "462d31653530300a2e"},
        {"FLOAT with ASCII whitespace around", "4609312e350b0a2e"},
        {"FLOAT double underscore", "46315f5f300a2e"},
        {"FLOAT leading underscore", "465f310a2e"},
        {"PUT 00 is False", "4e7030300a2e"},
        {"PUT and GET 01 are True", "4e7030310a6730310a302e"},
        {"GLOBAL escapes are decoded", "635c7834310a420a2e"},
        {"GLOBAL newline escape", "636d5c6e0a620a2e"},
        {"GLOBAL non-ASCII", "636dc3a90a420a2e"},
        {"INST non-ASCII", "28696dc3a90a420a2e"},
        {"GLOBAL trailing backslash", "63615c0a620a2e"},
        {"STRING non-ASCII", "5327c3a9270a2e"},
        {"STRING escaped non-ASCII", "5327615c786539270a2e"},
        {"STRING ASCII escapes", "53275c7834315c6e270a2e"},
        {"PERSID escapes", "505c7834310a2e"},
        {"PERSID non-ASCII", "50c3a90a2e"},
        {"BINUNICODE unassigned and format characters", "80025808000000f0968985c2adcdb82e"},
        {"UNICODE astral, ideographic space, nbsp, line separator", "565c5530303032656463665c75333030305c75303061305c75323032380a2e"},
        {"BINUNICODE tag character", "80025804000000f3a080812e"},
        {"FRAME length past INT64_MAX is unsigned", "800495ffffffffffffffff4e2e"},
    };
    std::vector<std::string> hexes;
    for (const auto& c : cases) hexes.push_back(c.hex);
    const auto expected = test::oracle("dis", hexes);
    ASSERT_EQ(expected.size(), hexes.size());
    int refused = 0;
    for (std::size_t i = 0; i < hexes.size(); ++i) {
        SCOPED_TRACE(cases[i].name);
        std::string ours;
        auto st = disassemble(test::unhex(hexes[i]), ours);
        if (expected[i].rfind("ERR", 0) == 0) {
            ++refused;
            EXPECT_FALSE(st) << ours;
            // pickletools' message names the same failure.
            if (!st && expected[i].find("codec can't decode") != std::string::npos) {
                const std::string& m = st.error().message;
                EXPECT_NE(expected[i].find(m.substr(0, m.find(" (at offset"))), std::string::npos)
                    << m << "\npickletools: " << expected[i];
            }
            continue;
        }
        ASSERT_TRUE(st) << st.error().message;
        EXPECT_EQ(ours, unjson(expected[i]));
    }
    EXPECT_EQ(refused, 8); // the non-ASCII names and strings, bad underscores, a trailing backslash
}

TEST(PickleDisassembler, NonAsciiArguments) {
    std::string out;
    ASSERT_TRUE(disassemble(test::unhex("80025805000000c3a9e282ac710054020000000aff2e"), out).has_value() == false);
    // BINUNICODE 'é€' then a BINSTRING shown as latin-1 text, then STOP with two items left.
    EXPECT_NE(out.find("    2: X    BINUNICODE 'é€'\n"), std::string::npos) << out;
    EXPECT_NE(out.find("   14: T    BINSTRING  '\\nÿ'\n"), std::string::npos) << out;
}

TEST(PickleDisassembler, Errors) {
    const struct {
        const char* hex;
        const char* message;
    } cases[] = {
        {"", "no pickle: the input is empty"},
        {"8002ff", "opcode 0xff unknown (at offset 2)"},
        {"80024b", "expected 1 bytes for BININT1's argument, but only 0 remain (at offset 2)"},
        {"8002580500000061", "expected 5 bytes for BINUNICODE's argument, but only 1 remain (at offset 2)"},
        {"8002493132", "no newline found for INT's argument (at offset 2)"},
        {"80024e", "pickle exhausted before seeing STOP (at offset 3)"},
        {"80024e652e", "no MARK exists on stack (at offset 3)"},
        {"80024e710071002e", "memo key 0 already defined (at offset 5)"},
        {"800268052e", "memo key 5 has never been stored into (at offset 2)"},
        {"800271002e", "stack is empty -- can't store into memo (at offset 2)"},
        {"80022871002e", "can't store markobject in the memo (at offset 3)"},
        {"80024e4e2e", "stack not empty after STOP (at offset 5)"},
        {"8002852e", "tries to pop 1 items from stack with only 0 items (at offset 2)"},
        {"80028b" "ffffffff", "LONG pickle has negative byte count (at offset 2)"},
        {"800253616263" "0a2e", "no string quotes around the STRING argument (at offset 2)"},
        {"800249787a0a2e", "invalid literal for int() with base 10 in INT (at offset 2)"},
        {"800246787a0a2e", "could not convert string to float in FLOAT (at offset 2)"},
        {"80025801000000ff2e", "invalid UTF-8 in BINUNICODE: invalid start byte (at offset 2)"},
        {"80025c7531320a2e", "opcode 0x5c unknown"},
        {"8002565c7531320a2e", "truncated \\uXXXX escape at position 0 (at offset 2)"},
        {"80024c787a0a2e", "invalid literal for int() with base 10 in LONG (at offset 2)"},
        {"800253275c78270a2e", "invalid \\x escape at position 0 (at offset 2)"},
    };
    for (const auto& c : cases) {
        std::string out;
        auto st = disassemble(test::unhex(c.hex), out);
        ASSERT_FALSE(st) << c.hex;
        EXPECT_NE(st.error().message.find(c.message), std::string::npos) << c.hex << " -> " << st.error().message;
    }
}

TEST(PickleDisassembler, ListsWhatCameBeforeAnError) {
    std::string out;
    auto st = disassemble(test::unhex("80024e652e"), out);
    ASSERT_FALSE(st);
    EXPECT_EQ(out, "    0: \\x80 PROTO      2\n    2: N    NONE\n    3: e    APPENDS    no MARK exists on stack\n");
}

} // namespace
} // namespace mitokit::pickle
