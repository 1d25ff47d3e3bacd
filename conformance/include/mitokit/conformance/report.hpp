// One live case's outcome, and the two ways `conform`, `peer` and `replay` print
// them: a table (case, expected, got, pass/fail) or JSON Lines with the keys
// case, expected, got and pass (a boolean).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace mitokit::conformance {

struct CaseResult {
    std::string name;
    std::string expected;
    std::string got;
    bool pass = false;
};

// Long texts are cut to `width` characters in the table (never in JSON).
void print_table(std::ostream& out, const std::vector<CaseResult>& cases, std::size_t width = 60);
void print_json_lines(std::ostream& out, const std::vector<CaseResult>& cases);
std::size_t failures(const std::vector<CaseResult>& cases);

// A JSON string literal (quotes included), escaping as RFC 8259 requires.
std::string json_string(std::string_view s);

} // namespace mitokit::conformance
