// Text helpers for the raw payloads, each reading bytes as the reference's
// Python does: int() on ASCII digits, strict and replacing UTF-8 decoding.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace mitokit::payload::text {

// Python's int(b) for bytes in base 10: surrounding ASCII whitespace, an optional
// sign, digits with single '_' between them. nullopt if int() would raise, or if
// the value does not fit in int64 (`overflow` tells which).
std::optional<std::int64_t> py_int(std::string_view s, bool* overflow = nullptr) noexcept;

// Python's int(s) for a str (UTF-8 here), as the master reads FORWARD_LOG's level
// after decoding the payload: also Unicode decimal digits ('\u0663' is 3) and
// Unicode spaces around them. Same results as py_int otherwise.
std::optional<std::int64_t> py_int_text(std::string_view utf8, bool* overflow = nullptr);

// Offset of the first byte that makes `s` invalid UTF-8 as CPython's strict decoder
// sees it (no surrogates, no overlongs, nothing past U+10FFFF); nullopt if valid.
std::optional<std::size_t> utf8_error(std::string_view s) noexcept;

// CPython's bytes.decode('utf-8', 'replace'): each maximal invalid subpart becomes U+FFFD.
std::string utf8_replace(std::string_view s);

// The payload bytes as text, for splitting.
inline std::string_view as_text(const std::uint8_t* p, std::size_t n) noexcept {
    return {reinterpret_cast<const char*>(p), n};
}

// No byte of p[0..n) has its top bit set: ASCII, which is valid UTF-8 as it is.
// Eight bytes a step: a context's name is read on every hop of its route. The
// bytes past the last whole eight are read as the last eight, or from four
// bytes up as the first and last four (overlapping), not one at a time: a
// default name, "local." and five digits, ends in three.
inline bool is_ascii(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t high = 0;
    if (n >= 8) {
        for (std::size_t j = 0; j + 8 <= n; j += 8) {
            std::uint64_t chunk;
            std::memcpy(&chunk, p + j, 8);
            high |= chunk;
        }
        std::uint64_t last;
        std::memcpy(&last, p + n - 8, 8);
        high |= last;
    } else if (n >= 4) {
        std::uint32_t first, last;
        std::memcpy(&first, p, 4);
        std::memcpy(&last, p + n - 4, 4);
        high = first | last;
    } else {
        for (std::size_t j = 0; j < n; ++j) high |= p[j];
    }
    return (high & 0x8080808080808080ull) == 0;
}

} // namespace mitokit::payload::text
