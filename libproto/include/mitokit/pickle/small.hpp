// The few small pickles mitogen sends most often, written and read as bytes
// without a Document: a reply of None or of an int. A simulated tree sends one
// per call, and the general codec costs ten times as much for them.
//
// Writers give exactly the bytes pickle::encode writes for the same value.
// Readers take exactly those bytes and nothing else: any other input, near or
// not, is nullopt (or 0), and the caller hands it to the general decoder, which
// stays the judge of every other pickle and of every error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mitokit::pickle::small {

// Whether `v` is an int32: the ints these writers take (the encoder's BININT
// range; larger ones go through it).
constexpr bool fits_int32(std::int64_t v) noexcept { return v >= INT32_MIN && v <= INT32_MAX; }
// How many bytes the encoder writes for an int32 `v`: 2 (BININT1), 3 (BININT2) or 5 (BININT).
std::size_t int32_length(std::int64_t v) noexcept;
// Writes that opcode and argument at p[0..int32_length(v)).
void write_int32(std::uint8_t* p, std::int64_t v) noexcept;
// The int at d[0] if it is BININT1, BININT2 or BININT with its whole argument:
// the bytes it takes, or 0.
std::size_t read_int32(std::span<const std::uint8_t> d, std::int64_t& v) noexcept;

// A whole pickle (PROTO 2 ... STOP) of None, or of an int32 (false, `out`
// unchanged, for a larger int), appended to `out`.
void append_none(std::vector<std::uint8_t>& out);
bool append_int32(std::vector<std::uint8_t>& out, std::int64_t v);

// The same pickles written at p[0..), which must hold MAX_SCALAR bytes: their
// length, or 0 (nothing written) for a larger int. For a reply sent from a
// stack buffer, with no vector to clear and grow.
inline constexpr std::size_t MAX_SCALAR = 8; // PROTO 2, BININT and its four bytes, STOP
std::size_t write_none_pickle(std::uint8_t* p) noexcept;
std::size_t write_int32_pickle(std::uint8_t* p, std::int64_t v) noexcept;

// A payload that is exactly such a pickle: None (nullopt inside) or the int.
// Any encoding reads it alike: one pickle with nothing after it.
std::optional<std::optional<std::int64_t>> read_scalar(std::span<const std::uint8_t> d) noexcept;

} // namespace mitokit::pickle::small
