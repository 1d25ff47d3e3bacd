#include "pyrepr.hpp"

#include <cstdio>

#include "text.hpp"

namespace mitokit::pickle::detail {
namespace {

bool printable(std::uint32_t cp) {
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;                  // surrogates
    if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f)) return false;
    if (cp == 0x3000 || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0xfffe || cp == 0xffff) return false;
    if (cp == 0x1680 || cp == 0x180e || cp == 0x061c || (cp >= 0x0600 && cp <= 0x0605) || cp == 0x06dd || cp == 0x070f) return false;
    if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000) return false; // private use
    if (cp >= 0xe0000 && cp <= 0xe0fff) return false;                 // tags, variation selectors supplement
    return true;
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
