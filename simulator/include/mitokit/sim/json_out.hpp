// Minimal JSON text output for reports and `modules plan` lines.
#pragma once

#include <string>
#include <string_view>

namespace mitokit::sim {

// A JSON string literal (quotes included). Bytes that are not valid UTF-8 are
// written as \u00XX of the byte, so the output is always valid JSON.
std::string json_str(std::string_view s);

} // namespace mitokit::sim
