#include "bigint.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace mitokit::pickle::detail {
namespace {

// Magnitude as base-2^32 limbs, least significant first.
using Limbs = std::vector<std::uint32_t>;

void trim(Limbs& l) {
    while (!l.empty() && l.back() == 0) l.pop_back();
}

// Divides in place by d, returns the remainder.
std::uint32_t divmod_small(Limbs& l, std::uint32_t d) {
    std::uint64_t rem = 0;
    for (std::size_t i = l.size(); i-- > 0;) {
        const std::uint64_t cur = (rem << 32) | l[i];
        l[i] = static_cast<std::uint32_t>(cur / d);
        rem = cur % d;
    }
    trim(l);
    return static_cast<std::uint32_t>(rem);
}

void mul_add_small(Limbs& l, std::uint32_t mul, std::uint32_t add) {
    std::uint64_t carry = add;
    for (auto& limb : l) {
        const std::uint64_t cur = static_cast<std::uint64_t>(limb) * mul + carry;
        limb = static_cast<std::uint32_t>(cur);
        carry = cur >> 32;
    }
    if (carry) l.push_back(static_cast<std::uint32_t>(carry));
}

std::string limbs_to_decimal(Limbs l) {
    if (l.empty()) return "0";
    std::vector<std::uint32_t> chunks; // base 1e9, least significant first
    while (!l.empty()) chunks.push_back(divmod_small(l, 1000000000u));
    std::string out = std::to_string(chunks.back());
    for (std::size_t i = chunks.size() - 1; i-- > 0;) {
        std::string part = std::to_string(chunks[i]);
        out.append(9 - part.size(), '0');
        out += part;
    }
    return out;
}

} // namespace

namespace {

__extension__ typedef unsigned __int128 u128; // GCC and Clang; __extension__ keeps -Wpedantic quiet

// "00" "01" ... "99": two digits per (multiply-based) division by 100.
constexpr char kDigitPairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

// Writes v's decimal digits ending at `end`, left-padded with zeros to min_digits.
char* put_decimal(char* end, std::uint64_t v, int min_digits) {
    while (v >= 100) {
        const auto r = static_cast<std::size_t>(v % 100);
        v /= 100;
        end -= 2;
        std::memcpy(end, kDigitPairs + 2 * r, 2);
        min_digits -= 2;
    }
    if (v >= 10) {
        end -= 2;
        std::memcpy(end, kDigitPairs + 2 * v, 2);
        min_digits -= 2;
    } else {
        *--end = static_cast<char>('0' + v);
        min_digits -= 1;
    }
    for (; min_digits > 0; --min_digits) *--end = '0';
    return end;
}

void u128_to_decimal(u128 v, bool negative, std::string& out) {
    char buf[48];
    char* p = buf + sizeof buf;
    // 128-bit division is a library call: peel 19 digits at a time with it, and
    // print each 64-bit chunk with 64-bit arithmetic.
    constexpr std::uint64_t kTen19 = 10000000000000000000ull;
    while (v > std::numeric_limits<std::uint64_t>::max()) {
        p = put_decimal(p, static_cast<std::uint64_t>(v % kTen19), 19);
        v /= kTen19;
    }
    p = put_decimal(p, static_cast<std::uint64_t>(v), 1);
    if (negative) *--p = '-';
    out.assign(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

} // namespace

bool le_to_decimal(std::span<const std::uint8_t> le, std::string& out, std::size_t max_digits) {
    if (le.empty()) {
        out.assign(1, '0');
        return true;
    }
    const bool negative = (le.back() & 0x80) != 0;
    if (le.size() <= 15 && max_digits >= 40) { // fits 120 bits: no bignum needed
        unsigned char buf[16] = {};
        std::memcpy(buf, le.data(), le.size());
        std::uint64_t lo = 0, hi = 0;
        for (int k = 7; k >= 0; --k) {
            lo = lo << 8 | buf[k];
            hi = hi << 8 | buf[k + 8];
        }
        u128 v = static_cast<u128>(hi) << 64 | lo;
        if (negative) v = (u128{1} << (8 * le.size())) - v; // magnitude of the two's complement
        u128_to_decimal(v, negative, out);
        return true;
    }
    std::vector<std::uint8_t> mag(le.begin(), le.end());
    if (negative) { // magnitude = ~x + 1
        unsigned carry = 1;
        for (auto& b : mag) {
            const unsigned v = static_cast<std::uint8_t>(~b) + carry;
            b = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
    }
    while (!mag.empty() && mag.back() == 0) mag.pop_back();
    // Cheap early refusal: a number of this many bits surely has too many digits.
    if (mag.size() > 0 && (mag.size() - 1) * 8 * 0.30102999566398 > static_cast<double>(max_digits) + 1)
        return false;
    Limbs limbs((mag.size() + 3) / 4, 0);
    for (std::size_t i = 0; i < mag.size(); ++i) limbs[i / 4] |= static_cast<std::uint32_t>(mag[i]) << (8 * (i % 4));
    trim(limbs);
    std::string digits = limbs_to_decimal(std::move(limbs));
    if (digits.size() > max_digits) return false;
    out.assign(negative ? 1 : 0, '-');
    out.append(digits);
    return true;
}

void decimal_to_le(std::string_view dec, std::vector<std::uint8_t>& out) {
    out.clear();
    bool negative = false;
    if (!dec.empty() && (dec[0] == '-' || dec[0] == '+')) {
        negative = dec[0] == '-';
        dec.remove_prefix(1);
    }
    if (dec.size() <= 36) { // below 10^36 < 2^120: two's complement straight from a 128-bit value
        u128 mag = 0;
        for (char c : dec) mag = mag * 10 + static_cast<unsigned>(c - '0');
        if (mag == 0) return;
        unsigned bits = 0;
        for (u128 t = mag; t != 0; t >>= 1) ++bits;
        std::size_t nbytes = bits / 8 + 1;
        const u128 v = negative ? ~mag + 1 : mag; // wraps: the low nbytes hold the two's complement
        for (std::size_t k = 0; k < nbytes; ++k) out.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
        if (negative && out.size() > 1 && out.back() == 0xff && (out[out.size() - 2] & 0x80) != 0) out.pop_back();
        return;
    }
    Limbs l;
    std::size_t i = 0;
    const std::size_t head = dec.size() % 9;
    auto chunk = [&](std::size_t n) {
        std::uint32_t v = 0;
        std::uint32_t scale = 1;
        for (std::size_t k = 0; k < n; ++k, ++i) {
            v = v * 10 + static_cast<std::uint32_t>(dec[i] - '0');
            scale *= 10;
        }
        mul_add_small(l, scale, v);
    };
    if (head) chunk(head);
    while (i < dec.size()) chunk(9);
    trim(l);
    if (l.empty()) return; // zero: no bytes
    std::vector<std::uint8_t> mag;
    for (auto limb : l)
        for (int k = 0; k < 4; ++k) mag.push_back(static_cast<std::uint8_t>(limb >> (8 * k)));
    while (!mag.empty() && mag.back() == 0) mag.pop_back();
    // bit_length of the magnitude, then nbytes = bit_length / 8 + 1 as encode_long does.
    unsigned top = mag.back();
    std::size_t bits = (mag.size() - 1) * 8;
    while (top) { ++bits; top >>= 1; }
    const std::size_t nbytes = bits / 8 + 1;
    out.assign(nbytes, 0);
    std::copy(mag.begin(), mag.end(), out.begin());
    if (negative) {
        unsigned carry = 1;
        for (auto& b : out) {
            const unsigned v = static_cast<std::uint8_t>(~b) + carry;
            b = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
        if (out.size() > 1 && out.back() == 0xff && (out[out.size() - 2] & 0x80) != 0) out.pop_back();
    }
}

bool decimal_to_int64(std::string_view dec, std::int64_t& v) {
    bool negative = false;
    if (!dec.empty() && (dec[0] == '-' || dec[0] == '+')) {
        negative = dec[0] == '-';
        dec.remove_prefix(1);
    }
    if (dec.empty()) return false;
    std::uint64_t acc = 0;
    const std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
    for (char c : dec) {
        if (c < '0' || c > '9') return false;
        const unsigned d = static_cast<unsigned>(c - '0');
        if (acc > (limit - d) / 10) return false;
        acc = acc * 10 + d;
    }
    v = negative ? static_cast<std::int64_t>(0 - acc) : static_cast<std::int64_t>(acc);
    return true;
}

std::string normalize_decimal(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
    if (s.empty() || s == "0") return "0";
    std::string out;
    if (negative) out.push_back('-');
    out.append(s);
    return out;
}

std::string integral_double_to_decimal(double v) {
    const bool negative = std::signbit(v);
    int exp = 0;
    const double m = std::frexp(std::fabs(v), &exp); // |v| = m * 2^exp, 0.5 <= m < 1
    auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    int shift = exp - 53;
    if (shift < 0) {
        mant >>= -shift;
        shift = 0;
    }
    Limbs l{static_cast<std::uint32_t>(mant), static_cast<std::uint32_t>(mant >> 32)};
    trim(l);
    for (int k = 0; k < shift; ++k) mul_add_small(l, 2, 0);
    std::string digits = limbs_to_decimal(std::move(l));
    if (!negative || digits == "0") return digits;
    std::string out(1, '-');
    out += digits;
    return out;
}

bool digits_to_decimal(std::string_view digits, int base, bool negative, std::string& out,
                       std::size_t max_digits) {
    out.clear();
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    if (base == 10) {
        if (digits.size() > max_digits) return false;
        if (negative && digits != "0") out.push_back('-');
        out.append(digits);
        return true;
    }
    // Bits per digit is exact for the power-of-two bases pickle text can carry.
    const int bits = base == 16 ? 4 : base == 8 ? 3 : 1;
    if (static_cast<double>(digits.size()) * bits * 0.30102999566398 > static_cast<double>(max_digits) + 1) return false;
    Limbs l;
    for (char c : digits) {
        const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        mul_add_small(l, static_cast<std::uint32_t>(base), static_cast<std::uint32_t>(d));
    }
    trim(l);
    std::string dec = limbs_to_decimal(std::move(l));
    if (dec.size() > max_digits) return false;
    if (negative && dec != "0") out.push_back('-');
    out += dec;
    return true;
}

} // namespace mitokit::pickle::detail
