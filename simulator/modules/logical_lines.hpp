// Python source as the import scanner reads it: logical lines (brackets and
// backslashes join physical lines; comments and blank lines dropped) of tokens
// that carry their bracket depth. Internal to simulator/modules.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit::modules {

// CPython's tokenizer keeps at most this many brackets open at once (its MAXLEVEL):
// one more is "too many nested parentheses", a SyntaxError, so the master's compile()
// refuses such a module, and so does its import system.
inline constexpr int MAX_BRACKET_NESTING = 200;

} // namespace mitokit::modules

namespace mitokit::modules::detail {

enum class TokKind : std::uint8_t { name, op, string, number };

struct Tok {
    TokKind kind;
    std::string_view text;
    int depth; // bracket depth inside the logical line before this token
};

struct Line {
    int indent = 0;
    std::vector<Tok> toks;
};

using Toks = std::span<const Tok>;

// The logical lines, or, where a bracket opens with MAX_BRACKET_NESTING already
// open, an Errc::limit error at that bracket's offset: the source does not compile.
// Reading stops there, so its cost stays linear in the source.
Result<std::vector<Line>> checked_logical_lines(std::string_view source);
// checked_logical_lines, with no lines for a source that does not compile.
std::vector<Line> logical_lines(std::string_view source);

// The token is this name or operator (never a string with that text).
inline bool is(const Tok& t, std::string_view text) { return t.text == text && t.kind != TokKind::string; }

} // namespace mitokit::modules::detail
