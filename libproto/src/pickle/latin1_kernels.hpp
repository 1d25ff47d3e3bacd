// Bulk kernels for text whose code points are all below U+0100: what a
// `_codecs.encode(str, 'latin1')` pickle of binary data carries (module sources
// in LOAD_MODULE, Blob and bytes arguments), so they run over every byte of the
// large payloads. The x86 versions are picked at run time from the CPU's
// features (SSSE3/AVX2); the portable ones give the same results everywhere.
#pragma once

#include <cstddef>

namespace mitokit::pickle::detail {

// True if p[0..n) is UTF-8 whose every character is ASCII or a lead C2/C3 and a
// continuation (U+0080..U+00FF): the fast accept test of BINUNICODE validation.
bool latin1_range(const unsigned char* p, std::size_t n) noexcept;
bool latin1_range_portable(const unsigned char* p, std::size_t n) noexcept;

// For *valid* UTF-8 p[0..n): writes the latin-1 bytes of its characters to w
// (which has room for n bytes) and returns how many, provided every byte is
// below 0xC4 (then every code point is below U+0100). Returns SIZE_MAX when a
// byte is 0xC4 or more: the caller then finds the offending code point.
std::size_t utf8_to_latin1_bytes(const unsigned char* p, std::size_t n, unsigned char* w) noexcept;
std::size_t utf8_to_latin1_bytes_portable(const unsigned char* p, std::size_t n, unsigned char* w) noexcept;

} // namespace mitokit::pickle::detail
