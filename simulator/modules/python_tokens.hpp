// A model of Python 3.11's tokenize.generate_tokens over decoded source text:
// the same token types, strings and (row, column) positions, columns counted in
// code points. Used by the minifier, whose output depends on those positions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit::modules {

enum class PyTok : unsigned char { name, number, string, op, comment, nl, newline, indent, dedent, errortoken, endmarker };

struct PyToken {
    PyTok type;
    std::u32string text;
    int start_row, start_col, end_row, end_col;
};

// Errors where tokenize raises TokenError or IndentationError.
Result<std::vector<PyToken>> python_tokens(std::u32string_view source);

// UTF-8 <-> code points (strict: malformed UTF-8 is an error naming its offset).
Result<std::u32string> utf8_to_u32(std::string_view s);
std::string u32_to_utf8(std::u32string_view s);

} // namespace mitokit::modules
