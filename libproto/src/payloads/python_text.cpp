#include "python_text.hpp"

#include <algorithm>
#include <iterator>

namespace mitokit::payload::text {
namespace {

bool py_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Length of the valid UTF-8 sequence at s[i], or 0 with `bad` set to how many
// bytes form the maximal invalid subpart (at least 1).
std::size_t utf8_seq(std::string_view s, std::size_t i, std::size_t& bad) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned c = b(i);
    bad = 1;
    if (c < 0x80) return 1;
    std::size_t len;
    unsigned lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) { len = 3; lo = 0xa0; }
    else if (c == 0xed) { len = 3; hi = 0x9f; } // no surrogates
    else if (c >= 0xe1 && c <= 0xef) len = 3;
    else if (c == 0xf0) { len = 4; lo = 0x90; }
    else if (c == 0xf4) { len = 4; hi = 0x8f; }
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if (i + k >= s.size()) { bad = k; return 0; }
        const unsigned x = b(i + k);
        const unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
        if (x < l || x > h) { bad = k; return 0; }
    }
    return len;
}

// The first code point (digit zero) of each run of ten Unicode decimal digits
// above ASCII, from CPython 3.11 (Unicode 14.0.0): str.isdecimal() with
// unicodedata.decimal() == 0; every run is ten consecutive digits.
constexpr std::uint32_t kDecimalZeros[] = {
    0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50,
    0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0,
    0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30,
    0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0,
    0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec,
    0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
};

// Py_UNICODE_ISSPACE above ASCII.
bool unicode_space(std::uint32_t cp) noexcept {
    return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// The decimal value of a non-ASCII digit, or -1.
int unicode_decimal(std::uint32_t cp) noexcept {
    const auto* end = std::end(kDecimalZeros);
    const auto* it = std::upper_bound(std::begin(kDecimalZeros), end, cp);
    if (it == std::begin(kDecimalZeros)) return -1;
    const std::uint32_t zero = *(it - 1);
    return cp - zero < 10 ? static_cast<int>(cp - zero) : -1;
}

} // namespace

std::optional<std::int64_t> py_int_text(std::string_view s, bool* overflow) {
    // _PyUnicode_TransformDecimalAndSpaceToASCII: only code points above ASCII
    // change (\x1c-\x1f stay, and int() refuses them).
    std::string ascii;
    ascii.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t bad = 0;
        const std::size_t n = utf8_seq(s, i, bad);
        if (n == 0) return std::nullopt; // not text: nothing the reference could have decoded
        std::uint32_t cp = static_cast<unsigned char>(s[i]);
        if (n > 1) {
            cp &= 0x7fu >> n;
            for (std::size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
        }
        i += n;
        if (cp < 0x80) ascii.push_back(static_cast<char>(cp));
        else if (unicode_space(cp)) ascii.push_back(' ');
        else if (const int d = unicode_decimal(cp); d >= 0) ascii.push_back(static_cast<char>('0' + d));
        else ascii.push_back('?');
    }
    return py_int(ascii, overflow);
}

std::optional<std::int64_t> py_int(std::string_view s, bool* overflow) noexcept {
    if (overflow) *overflow = false;
    // Plain digits (a context ID in every route): no spaces, sign or underscores
    // to look for, and 18 digits cannot overflow.
    if (!s.empty() && s.size() <= 18 &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t v = 0;
        for (char c : s) v = v * 10 + (c - '0');
        return v;
    }
    while (!s.empty() && py_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && py_space(s.back())) s.remove_suffix(1);
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.empty() || s.front() == '_' || s.back() == '_') return std::nullopt;
    // Magnitude as unsigned so that INT64_MIN fits.
    std::uint64_t v = 0;
    bool big = false;
    char prev = 0;
    for (char c : s) {
        if (c == '_') {
            if (prev == '_') return std::nullopt;
        } else if (c >= '0' && c <= '9') {
            const unsigned d = static_cast<unsigned>(c - '0');
            if (v > (UINT64_MAX - d) / 10) big = true;
            else v = v * 10 + d;
        } else {
            return std::nullopt;
        }
        prev = c;
    }
    const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
    if (big || v > limit) {
        if (overflow) *overflow = true;
        return std::nullopt;
    }
    return neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

std::optional<std::size_t> utf8_error(std::string_view s) noexcept {
    std::size_t i = 0, bad = 0;
    while (i < s.size()) {
        // ASCII runs need no sequence decoding (every route's "local.<id>" name).
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t n = utf8_seq(s, i, bad);
        if (n == 0) return i;
        i += n;
    }
    return std::nullopt;
}

std::string utf8_replace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0, bad = 0;
    while (i < s.size()) {
        const std::size_t n = utf8_seq(s, i, bad);
        if (n != 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xef\xbf\xbd");
            i += bad;
        }
    }
    return out;
}

} // namespace mitokit::payload::text
