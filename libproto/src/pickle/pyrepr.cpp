#include "pyrepr.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "text.hpp"

namespace mitokit::pickle::detail {
namespace {

// Py_UNICODE_ISPRINTABLE of CPython 3.11 (Unicode 14.0.0), as repr() uses it.
constexpr std::uint32_t kPrintableFlips[] = {
#include "printable_table.inc"
};

bool printable(std::uint32_t cp) {
    const auto* end = std::end(kPrintableFlips);
    return (std::upper_bound(std::begin(kPrintableFlips), end, cp) - std::begin(kPrintableFlips)) % 2 == 1;
}

} // namespace

void repr_str(std::string_view s, std::string& out) {
    const bool sq = s.find('\'') != std::string_view::npos, dq = s.find('"') != std::string_view::npos;
    const char q = sq && !dq ? '"' : '\'';
    out.push_back(q);
    char buf[16];
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t b = i;
        const std::uint32_t cp = utf8_next(s, i);
        if (cp == static_cast<unsigned char>(q) || cp == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(cp));
        } else if (cp == '\t') out += "\\t";
        else if (cp == '\n') out += "\\n";
        else if (cp == '\r') out += "\\r";
        else if (!printable(cp)) {
            if (cp <= 0xff) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
            else if (cp <= 0xffff) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
            else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
            out += buf;
        } else {
            out.append(s.substr(b, i - b));
        }
    }
    out.push_back(q);
}

void repr_bytes(std::string_view s, std::string& out) {
    const bool sq = s.find('\'') != std::string_view::npos, dq = s.find('"') != std::string_view::npos;
    const char q = sq && !dq ? '"' : '\'';
    out.push_back('b');
    out.push_back(q);
    char buf[8];
    for (unsigned char c : s) {
        if (c == static_cast<unsigned char>(q) || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20 || c >= 0x7f) {
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else out.push_back(static_cast<char>(c));
    }
    out.push_back(q);
}

} // namespace mitokit::pickle::detail
