// The number helpers behind INT/LONG/LONG1/LONG4/FLOAT and the big-integer JSON
// form: two's complement both ways, Python's int() and float() text rules.
#include <gtest/gtest.h>

#include <cmath>

#include "../src/pickle/bigint.hpp"
#include "../src/pickle/pynumber.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle::detail {
namespace {

std::string dec(std::initializer_list<std::uint8_t> le) {
    std::vector<std::uint8_t> v(le);
    std::string out;
    EXPECT_TRUE(le_to_decimal(v, out));
    return out;
}

std::string le_hex(std::string_view d) {
    std::vector<std::uint8_t> out;
    decimal_to_le(d, out);
    return test::hex(out);
}

TEST(PickleNumbers, TwosComplementToDecimal) {
    EXPECT_EQ(dec({}), "0");
    EXPECT_EQ(dec({0xff}), "-1");
    EXPECT_EQ(dec({0x80}), "-128");
    EXPECT_EQ(dec({0x7f, 0xff}), "-129");
    EXPECT_EQ(dec({0x00, 0x80}), "-32768");
    EXPECT_EQ(dec({0, 0, 0, 0, 0, 0, 0, 0, 1}), "18446744073709551616");
    EXPECT_EQ(dec({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), "2361183241434822606847");
    EXPECT_EQ(dec({0, 0, 0, 0, 0, 0, 0, 0x80}), "-9223372036854775808");
    std::vector<std::uint8_t> huge(2000, 0x11);
    std::string out;
    EXPECT_FALSE(le_to_decimal(huge, out)); // more than 4300 digits
    EXPECT_TRUE(le_to_decimal(huge, out, 5000));
    EXPECT_EQ(out.size(), 4816u); // len(str(int.from_bytes(b"\x11" * 2000, "little")))
}

TEST(PickleNumbers, DecimalToShortestTwosComplement) {
    EXPECT_EQ(le_hex("0"), "");
    EXPECT_EQ(le_hex("-1"), "ff");
    EXPECT_EQ(le_hex("127"), "7f");
    EXPECT_EQ(le_hex("128"), "8000");
    EXPECT_EQ(le_hex("-128"), "80");
    EXPECT_EQ(le_hex("-129"), "7fff");
    EXPECT_EQ(le_hex("-256"), "00ff");
    EXPECT_EQ(le_hex("-32768"), "0080");
    EXPECT_EQ(le_hex("18446744073709551616"), "000000000000000001");
    EXPECT_EQ(le_hex("-9223372036854775809"), "ffffffffffffff7fff");
}

TEST(PickleNumbers, IntegralDoubles) {
    EXPECT_EQ(integral_double_to_decimal(9223372036854775808.0), "9223372036854775808");
    EXPECT_EQ(integral_double_to_decimal(-1e20), "-100000000000000000000");
    EXPECT_EQ(integral_double_to_decimal(1e300).size(), 301u);
    std::int64_t v = 0;
    EXPECT_TRUE(decimal_to_int64("-9223372036854775808", v));
    EXPECT_EQ(v, INT64_MIN);
    EXPECT_FALSE(decimal_to_int64("9223372036854775808", v));
    EXPECT_EQ(normalize_decimal("-000"), "0");
    EXPECT_EQ(normalize_decimal("+0012"), "12");
}

TEST(PickleNumbers, PythonIntText) {
    IntText v;
    EXPECT_EQ(parse_int("  -0x_1f ", 0, v), ParseInt::ok);
    EXPECT_EQ(v.small, -31);
    EXPECT_EQ(parse_int("0o17", 0, v), ParseInt::ok);
    EXPECT_EQ(v.small, 15);
    EXPECT_EQ(parse_int("0b101", 0, v), ParseInt::ok);
    EXPECT_EQ(v.small, 5);
    EXPECT_EQ(parse_int("000", 0, v), ParseInt::ok);
    EXPECT_EQ(v.small, 0);
    EXPECT_EQ(parse_int("010", 0, v), ParseInt::invalid); // base 0 refuses leading zeros
    EXPECT_EQ(parse_int("010", 10, v), ParseInt::ok);
    EXPECT_EQ(v.small, 10);
    EXPECT_EQ(parse_int("1__0", 10, v), ParseInt::invalid);
    EXPECT_EQ(parse_int("_10", 10, v), ParseInt::invalid);
    EXPECT_EQ(parse_int("10_", 10, v), ParseInt::invalid);
    EXPECT_EQ(parse_int("", 10, v), ParseInt::invalid);
    EXPECT_EQ(parse_int("0x" + std::string(100, 'f'), 0, v), ParseInt::ok);
    EXPECT_TRUE(v.big);
    EXPECT_EQ(v.decimal.size(), 121u);
    EXPECT_EQ(parse_int(std::string(4301, '7'), 10, v), ParseInt::too_many_digits);
    bool is_bool = false;
    EXPECT_EQ(parse_int_opcode("01", v, is_bool), ParseInt::ok);
    EXPECT_TRUE(is_bool);
    EXPECT_EQ(parse_int_opcode("+1", v, is_bool), ParseInt::ok);
    EXPECT_TRUE(is_bool);
    EXPECT_EQ(parse_int_opcode("1", v, is_bool), ParseInt::ok);
    EXPECT_FALSE(is_bool);
    EXPECT_EQ(parse_int_opcode("0x10", v, is_bool), ParseInt::ok);
    EXPECT_EQ(v.small, 16);
    EXPECT_EQ(parse_int_opcode(std::string("5\0junk", 6), v, is_bool), ParseInt::ok);
    EXPECT_EQ(v.small, 5);
    EXPECT_EQ(parse_int_opcode("99999999999999999999", v, is_bool), ParseInt::ok);
    EXPECT_TRUE(v.big);
    EXPECT_EQ(parse_int_opcode("1.5", v, is_bool), ParseInt::invalid);
}

TEST(PickleNumbers, PythonFloatText) {
    double v = 0;
    EXPECT_EQ(parse_float("1.5", v), ParseFloat::ok);
    EXPECT_EQ(v, 1.5);
    EXPECT_EQ(parse_float("-.5e1", v), ParseFloat::ok);
    EXPECT_EQ(v, -5.0);
    EXPECT_EQ(parse_float("+INFINITY", v), ParseFloat::ok);
    EXPECT_TRUE(std::isinf(v));
    EXPECT_EQ(parse_float("-nan", v), ParseFloat::ok);
    EXPECT_TRUE(std::isnan(v));
    EXPECT_EQ(parse_float("1e309", v), ParseFloat::overflow);
    EXPECT_EQ(parse_float("1e-400", v), ParseFloat::ok);
    EXPECT_EQ(v, 0.0);
    for (const char* bad : {"", ".", "e5", "1e", "1.5.", "0x10", "nan(1)", " 1", "1 ", "++1", "1_0"})
        EXPECT_EQ(parse_float(bad, v), ParseFloat::invalid) << bad;
}

// LONG1 wider than 8 bytes: only sign extension past the 8th byte is still an
// int64 (Kind::integer); anything else is a big_integer with CPython's digits,
// also across the 64-bit chunks of the 128-bit conversion. Hex from pickle.dumps.
TEST(PickleNumbers, WideLong1KeepsInt64WhenItFits) {
    struct Case {
        const char* hex;
        Kind kind;
        const char* value; // decimal
    };
    const Case cases[] = {
        {"80028a09ffffffffffffff7f002e", Kind::integer, "9223372036854775807"},   // padded 2**63-1
        {"80028a0a00000000000000800fff2e", Kind::big_integer, "-4436441949727147163648"}, // not only sign bytes
        {"80028a0a0000000000000080ffff2e", Kind::integer, "-9223372036854775808"}, // padded -2**63
        {"80028a0affffffffffffffffffff2e", Kind::integer, "-1"},
        {"80028a090000000000000080002e", Kind::big_integer, "9223372036854775808"},
        {"80028a09ffffffffffffff7fff2e", Kind::big_integer, "-9223372036854775809"},
        {"80028a0fffffffffffffffffffffffffffff7f2e", Kind::big_integer, "664613997892457936451903530140172287"},
        {"80028a0f0000000000000000000000000000802e", Kind::big_integer, "-664613997892457936451903530140172288"},
        {"80028a1007000000109f4bb31507c97bce97c0002e", Kind::big_integer, "1000000000000000000000000000000000007"},
        {"80028a0feb32a4f8177078d47db2388d9ebdec2e", Kind::big_integer, "-100000000000000000000000000123456789"},
    };
    for (const Case& c : cases) {
        Document doc;
        const auto in = test::unhex(c.hex);
        ASSERT_TRUE(decode(in, doc)) << c.hex;
        const Node& n = doc[doc.root()];
        EXPECT_EQ(n.kind, c.kind) << c.hex;
        if (c.kind == Kind::integer) EXPECT_EQ(std::to_string(n.i), c.value) << c.hex;
        else EXPECT_EQ(n.s, c.value) << c.hex;
    }
}

} // namespace
} // namespace mitokit::pickle::detail
