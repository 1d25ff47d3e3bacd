#include "python_text.hpp"

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

} // namespace

std::optional<std::int64_t> py_int(std::string_view s, bool* overflow) noexcept {
    if (overflow) *overflow = false;
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
