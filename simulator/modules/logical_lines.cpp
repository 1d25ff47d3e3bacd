#include "logical_lines.hpp"

#include <string>

namespace mitokit::modules::detail {
namespace {

bool is_name_start(unsigned char c) { return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80; }
bool is_name_char(unsigned char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Length of a string prefix (r, b, u, f and their two-letter mixes) if a quote follows.
std::size_t string_prefix(std::string_view s, std::size_t i) {
    std::size_t n = 0;
    while (n < 2 && i + n < s.size()) {
        const char c = static_cast<char>(s[i + n] | 0x20);
        if (c == 'r' || c == 'b' || c == 'u' || c == 'f') ++n;
        else break;
    }
    if (i + n < s.size() && (s[i + n] == '\'' || s[i + n] == '"')) return n;
    return std::string_view::npos;
}

} // namespace

// Splits source into logical lines (implicit joining inside brackets, backslash
// continuation), dropping comments and blank lines.
Result<std::vector<Line>> checked_logical_lines(std::string_view s) {
    std::vector<Line> lines;
    Line cur;
    bool at_line_start = true;
    bool continued = false; // after a backslash continuation
    int depth = 0;
    std::size_t i = 0;
    const std::size_t n = s.size();
    auto end_line = [&] {
        if (!cur.toks.empty()) lines.push_back(std::move(cur));
        cur = Line{};
        depth = 0;
        at_line_start = true;
    };
    while (i < n) {
        if (at_line_start) {
            int col = 0;
            std::size_t j = i;
            while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\f')) {
                if (s[j] == ' ') ++col;
                else if (s[j] == '\t') col = (col / 8 + 1) * 8;
                else col = 0;
                ++j;
            }
            if (!continued && cur.toks.empty()) cur.indent = col;
            i = j;
            at_line_start = false;
            continue;
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n') ++i;
            ++i;
            if (depth > 0 || continued) {
                continued = false;
                at_line_start = false;
                // Skip the continuation line's indentation without touching cur.indent.
                while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f')) ++i;
                continue;
            }
            end_line();
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\f') { ++i; continue; }
        if (c == '#') {
            while (i < n && s[i] != '\n' && s[i] != '\r') ++i;
            continue;
        }
        if (c == '\\') {
            std::size_t j = i + 1;
            if (j < n && s[j] == '\r') ++j;
            if (j < n && s[j] == '\n') {
                i = j + 1;
                continued = true;
                while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f')) ++i;
                continued = false;
                continue;
            }
            ++i;
            continue;
        }
        const std::size_t pre = is_name_start(c) ? string_prefix(s, i) : (c == '\'' || c == '"' ? 0 : std::string_view::npos);
        if (pre != std::string_view::npos) {
            const std::size_t start = i;
            i += pre;
            const char q = s[i];
            const bool triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
            i += triple ? 3 : 1;
            while (i < n) {
                if (s[i] == '\\') { i += 2; continue; }
                if (s[i] == q) {
                    if (!triple) { ++i; break; }
                    if (i + 2 < n && s[i + 1] == q && s[i + 2] == q) { i += 3; break; }
                } else if (!triple && (s[i] == '\n' || s[i] == '\r')) {
                    break; // unterminated single-quoted string: stop at the line end
                }
                ++i;
            }
            if (i > n) i = n;
            cur.toks.push_back({TokKind::string, s.substr(start, i - start), depth});
            continue;
        }
        if (is_name_start(c)) {
            const std::size_t start = i;
            while (i < n && is_name_char(static_cast<unsigned char>(s[i]))) ++i;
            cur.toks.push_back({TokKind::name, s.substr(start, i - start), depth});
            continue;
        }
        if ((c >= '0' && c <= '9') || (c == '.' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')) {
            const std::size_t start = i;
            while (i < n && (is_name_char(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
                const char e = static_cast<char>(s[i] | 0x20);
                ++i;
                if (e == 'e' && i < n && (s[i] == '+' || s[i] == '-')) ++i;
            }
            cur.toks.push_back({TokKind::number, s.substr(start, i - start), depth});
            continue;
        }
        if (c == '(' || c == '[' || c == '{') {
            if (depth >= MAX_BRACKET_NESTING)
                return make_error(Errc::limit,
                                  "too many nested parentheses (more than " + std::to_string(MAX_BRACKET_NESTING) +
                                      " brackets open at byte " + std::to_string(i) + ")",
                                  i);
            cur.toks.push_back({TokKind::op, s.substr(i, 1), depth});
            ++depth;
            ++i;
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            if (depth > 0) --depth;
            cur.toks.push_back({TokKind::op, s.substr(i, 1), depth});
            ++i;
            continue;
        }
        if (c == ':' && i + 1 < n && s[i + 1] == '=') {
            cur.toks.push_back({TokKind::op, s.substr(i, 2), depth});
            i += 2;
            continue;
        }
        if (c == '-' && i + 1 < n && s[i + 1] == '>') {
            cur.toks.push_back({TokKind::op, s.substr(i, 2), depth});
            i += 2;
            continue;
        }
        cur.toks.push_back({TokKind::op, s.substr(i, 1), depth});
        ++i;
    }
    end_line();
    return lines;
}

std::vector<Line> logical_lines(std::string_view s) {
    auto lines = checked_logical_lines(s);
    return lines ? std::move(*lines) : std::vector<Line>{};
}

} // namespace mitokit::modules::detail
