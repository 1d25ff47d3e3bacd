// Canonical JSON of mitogen values (value-json.md): compact, lossless, the same
// text CPython's side (shared/value_json.py to_json) prints.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::pickle {

// Appends the canonical JSON of `root` to `out`. A shared node is printed again
// where it appears; if the text would exceed max_output bytes the call fails
// with Errc::limit instead of expanding a DAG exponentially.
Status to_json(const Document& doc, NodeId root, std::string& out,
               std::size_t max_output = 64u << 20);

// A max_output that refuses only expansion through shared nodes: a value without
// sharing prints in at most ~6 bytes per text byte and ~32 per node, so this is
// that bound for the whole document, and never below to_json's default. Tools that
// print a decoded message whole (a reply of up to 128 MiB) pass it.
std::size_t unshared_json_budget(const Document& doc);

// Parses canonical JSON into a new root of `doc` (returned). Errors name the
// offset in `text` and what was expected.
Result<NodeId> from_json(std::string_view text, Document& doc, std::size_t max_depth = 512);

} // namespace mitokit::pickle
