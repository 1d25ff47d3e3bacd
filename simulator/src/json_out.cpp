#include "mitokit/sim/json_out.hpp"

#include <cstdio>

namespace mitokit::sim {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_len(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    return n;
}

} // namespace

std::string json_str(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') { out.push_back('\\'); out.push_back(static_cast<char>(c)); ++i; }
        else if (c == '\n') { out += "\\n"; ++i; }
        else if (c == '\t') { out += "\\t"; ++i; }
        else if (c == '\r') { out += "\\r"; ++i; }
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            ++i;
        } else if (c < 0x80) { out.push_back(static_cast<char>(c)); ++i; }
        else if (const auto n = utf8_len(s, i)) { out.append(s.substr(i, n)); i += n; }
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            ++i;
        }
    }
    out.push_back('"');
    return out;
}

} // namespace mitokit::sim
