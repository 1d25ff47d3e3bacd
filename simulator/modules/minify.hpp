// The master's "minify_safe" rewrite (protocol-notes §5.1): a module whose source
// carries the marker comment `# !mitogen: minify_safe` (after whitespace) is served
// with its comments (past line 2) and docstrings removed and its indentation cut to
// one space per level, line numbers kept. The reference does this with Python's
// tokenize/untokenize; the LOAD_MODULE source (and so `source_sha1` in
// `modules plan`) must be byte-identical, so this is a model of that token stream,
// positions and untokenize's whitespace rules included, not a pretty-printer.
//
// Known approximation: outside strings and comments, every non-ASCII code point
// counts as an identifier character (Python asks Unicode's tables).
#pragma once

#include <string>
#include <string_view>

#include "mitokit/result.hpp"

namespace mitokit::modules {

// The reference's test on the raw source: \s+#\s*!mitogen:\s*minify_safe
bool has_minify_marker(std::string_view source) noexcept;

// mitogen.minify.minimize_source on UTF-8 text. An error where the reference's
// tokenize raises (unterminated multi-line string or statement, bad dedent) or
// the text is not UTF-8; the message names the line.
Result<std::string> minimize_source(std::string_view utf8);

} // namespace mitokit::modules
