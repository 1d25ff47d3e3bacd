// Python source as the import scanner reads it: logical lines (brackets and
// backslashes join physical lines; comments and blank lines dropped) of tokens
// that carry their bracket depth. Internal to simulator/modules.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

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

std::vector<Line> logical_lines(std::string_view source);

// The token is this name or operator (never a string with that text).
inline bool is(const Tok& t, std::string_view text) { return t.text == text && t.kind != TokKind::string; }

} // namespace mitokit::modules::detail
