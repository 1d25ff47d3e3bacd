// Arbitrary-size integers as CPython pickles them (LONG1/LONG4: little-endian
// two's complement) and prints them (decimal), without a bignum library.
// Conversions are quadratic, so callers bound them with max_digits as CPython
// 3.11 bounds int<->str conversion (sys.int_info.default_max_str_digits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::pickle::detail {

inline constexpr std::size_t kMaxStrDigits = 4300;

// Two's complement little-endian bytes to decimal ("-123"). Returns false when
// the result would have more than max_digits digits.
bool le_to_decimal(std::span<const std::uint8_t> le, std::string& out,
                   std::size_t max_digits = kMaxStrDigits);

// Decimal ("-123", no leading zeros required) to the shortest two's complement
// little-endian bytes, as pickle's encode_long writes them (0 gives no bytes).
void decimal_to_le(std::string_view dec, std::vector<std::uint8_t>& out);

// Parses a decimal string that fits int64. False if it does not fit.
bool decimal_to_int64(std::string_view dec, std::int64_t& v);

// Canonical decimal of digits with optional sign: strips leading zeros, "-0" -> "0".
std::string normalize_decimal(std::string_view sign_and_digits);

// Exact decimal text of an integral double (|v| may exceed int64).
std::string integral_double_to_decimal(double v);

} // namespace mitokit::pickle::detail

namespace mitokit::pickle::detail {

// Digits (already checked for `base`, no sign, no underscores) to decimal text.
// False when the decimal form would exceed max_digits.
bool digits_to_decimal(std::string_view digits, int base, bool negative, std::string& out,
                       std::size_t max_digits = kMaxStrDigits);

} // namespace mitokit::pickle::detail
