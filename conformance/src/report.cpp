#include "mitokit/conformance/report.hpp"

#include <algorithm>
#include <cstdio>

namespace mitokit::conformance {
namespace {

std::string clip(const std::string& s, std::size_t width) {
    std::string one;
    for (char c : s) one.push_back(c == '\n' || c == '\t' ? ' ' : c);
    if (one.size() <= width) return one;
    return one.substr(0, width > 3 ? width - 3 : width) + "...";
}

} // namespace

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

void print_table(std::ostream& out, const std::vector<CaseResult>& cases, std::size_t width) {
    std::size_t wn = 4, we = 8, wg = 3;
    for (const auto& c : cases) {
        wn = std::max(wn, c.name.size());
        we = std::max(we, std::min(width, clip(c.expected, width).size()));
        wg = std::max(wg, std::min(width, clip(c.got, width).size()));
    }
    auto row = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
        out << a << std::string(wn - std::min(wn, a.size()), ' ') << "  " << b
            << std::string(we - std::min(we, b.size()), ' ') << "  " << c
            << std::string(wg - std::min(wg, c.size()), ' ') << "  " << d << "\n";
    };
    row("case", "expected", "got", "result");
    for (const auto& c : cases) row(c.name, clip(c.expected, width), clip(c.got, width), c.pass ? "pass" : "FAIL");
    out << cases.size() - failures(cases) << " of " << cases.size() << " cases passed\n";
}

void print_json_lines(std::ostream& out, const std::vector<CaseResult>& cases) {
    for (const auto& c : cases)
        out << "{\"case\":" << json_string(c.name) << ",\"expected\":" << json_string(c.expected)
            << ",\"got\":" << json_string(c.got) << ",\"pass\":" << (c.pass ? "true" : "false") << "}\n";
}

std::size_t failures(const std::vector<CaseResult>& cases) {
    return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const auto& c) { return !c.pass; }));
}

} // namespace mitokit::conformance
