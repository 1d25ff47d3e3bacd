// Text codecs the unpickler needs, with CPython's exact acceptance rules: UTF-8
// with 'surrogatepass' (BINUNICODE), strict UTF-8 (bytes.decode()), latin-1 both
// ways (_codecs.encode, BINSTRING listings), raw-unicode-escape (UNICODE) and
// bytes-literal escapes (STRING). Strings are held as UTF-8 in which a surrogate
// code point is its own 3-byte sequence, exactly what surrogatepass writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mitokit::pickle::detail {

// Checks UTF-8; with allow_surrogates, ED A0..BF xx is accepted (surrogatepass).
// On failure `why` is CPython's phrase and `pos` the offending byte index.
bool utf8_check(std::string_view s, bool allow_surrogates, std::size_t& pos, const char*& why,
                std::size_t* bad_len = nullptr);

// CPython's UnicodeDecodeError text for the first bad sequence in `s`
// ("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte").
std::string utf8_error(std::string_view s, bool allow_surrogates);

// True if s is ASCII and at most 16 bytes long (the usual str of a payload),
// checked with two overlapping loads; false for longer text.
inline bool short_ascii(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    if (n >= 8) {
        if (n > 16) return false;
        std::uint64_t a, b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + n - 8, 8);
        return !((a | b) & 0x8080808080808080ull);
    }
    if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        return !((a | b) & 0x80808080u);
    }
    unsigned acc = 0;
    for (std::size_t k = 0; k < n; ++k) acc |= p[k];
    return !(acc & 0x80u);
}

std::size_t utf8_length(std::string_view valid) noexcept;

// Reads one code point of valid (generalized) UTF-8 at i, advancing i.
std::uint32_t utf8_next(std::string_view valid, std::size_t& i) noexcept;

void append_utf8(std::string& out, std::uint32_t cp);

void latin1_to_utf8(std::string_view bytes, std::string& out);

// False (with the index in code points and the code point) if a code point is > 255.
bool utf8_to_latin1(std::string_view valid, std::string& out, std::size_t& bad_index, std::uint32_t& bad_cp);

// Encodes valid text as ASCII; false with the position of the first code point > 127.
bool utf8_to_ascii(std::string_view valid, std::string& out, std::size_t& bad_index, std::uint32_t& bad_cp);

// CPython's raw-unicode-escape decoder (the UNICODE opcode's argument).
bool raw_unicode_escape_decode(std::string_view in, std::string& out, std::string& err);

// CPython's escape decoding of a bytes literal's body (the STRING opcode's argument).
bool bytes_escape_decode(std::string_view in, std::string& out, std::string& err);

} // namespace mitokit::pickle::detail
