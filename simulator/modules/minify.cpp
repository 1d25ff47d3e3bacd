#include "minify.hpp"

#include <algorithm>

#include "python_tokens.hpp"

namespace mitokit::modules {
namespace {

using Tokens = std::vector<PyToken>;

bool line_end(PyTok t) { return t == PyTok::nl || t == PyTok::newline; }

// Comments past line 2 go (a hashbang and coding line stay); each line end is
// moved to just after the previous token, which drops trailing whitespace.
Tokens strip_comments(Tokens in) {
    Tokens out;
    out.reserve(in.size());
    bool prev_line_end = false;
    int prev_end_col = 0;
    for (auto& t : in) {
        if (line_end(t.type)) {
            t.start_col = prev_line_end ? 0 : prev_end_col;
            t.end_col = t.start_col + 1;
        } else if (t.type == PyTok::comment && t.start_row > 2) {
            continue;
        }
        prev_line_end = line_end(t.type);
        prev_end_col = t.end_col;
        out.push_back(std::move(t));
    }
    return out;
}

// A statement made only of strings (with the indents and dedents before it) is a
// docstring: it becomes blank lines, and the indents and dedents move after them.
Tokens strip_docstrings(Tokens in) {
    Tokens out, stack;
    out.reserve(in.size());
    bool wait_string = true;
    for (auto& t : in) {
        if (!wait_string) {
            if (t.type == PyTok::newline) wait_string = true;
            out.push_back(std::move(t));
        } else if (t.type == PyTok::nl || t.type == PyTok::comment) {
            out.push_back(std::move(t));
        } else if (t.type == PyTok::dedent || t.type == PyTok::indent || t.type == PyTok::string) {
            stack.push_back(std::move(t));
        } else if (t.type == PyTok::newline) {
            stack.push_back(std::move(t));
            const int first = stack.front().start_row, after = stack.back().end_row + 1;
            for (int row = first; row < after; ++row) out.push_back(PyToken{PyTok::nl, U"\n", row, 0, row, 1});
            for (auto& s : stack)
                if (s.type == PyTok::dedent || s.type == PyTok::indent)
                    out.push_back(PyToken{s.type, std::move(s.text), after, s.start_col, after, s.end_col});
            stack.clear();
        } else {
            stack.push_back(std::move(t));
            for (auto& s : stack) out.push_back(std::move(s));
            stack.clear();
            wait_string = false;
        }
    }
    return out;
}

// One space per indentation level; columns shift by the change of the current level.
Result<Tokens> reindent(Tokens in) {
    std::vector<int> old_levels;
    int old_level = 0, new_level = 0;
    for (auto& t : in) {
        if (t.type == PyTok::indent) {
            old_levels.push_back(old_level);
            old_level = static_cast<int>(t.text.size());
            ++new_level;
            t.text.assign(static_cast<std::size_t>(new_level), U' ');
        } else if (t.type == PyTok::dedent) {
            if (old_levels.empty()) return make_error(Errc::bad_value, "dedent without indent at line " + std::to_string(t.start_row));
            old_level = old_levels.back();
            old_levels.pop_back();
            --new_level;
        }
        t.start_col = std::max(0, t.start_col - old_level + new_level);
        if (t.start_row == t.end_row) t.end_col = t.start_col + static_cast<int>(t.text.size());
    }
    return in;
}

// tokenize.untokenize on full tokens: gaps between positions become spaces, and
// rows skipped without a line-end token become backslash-newlines.
Result<std::u32string> untokenize(const Tokens& in) {
    std::u32string out;
    std::vector<std::u32string_view> indents;
    int prev_row = 1, prev_col = 0;
    bool startline = false;
    for (const auto& t : in) {
        if (t.type == PyTok::endmarker) break;
        if (t.type == PyTok::indent) {
            indents.push_back(t.text);
            continue;
        }
        if (t.type == PyTok::dedent) {
            if (indents.empty()) return make_error(Errc::bad_value, "dedent without indent at line " + std::to_string(t.start_row));
            indents.pop_back();
            prev_row = t.end_row, prev_col = t.end_col;
            continue;
        }
        if (line_end(t.type)) {
            startline = true;
        } else if (startline && !indents.empty()) {
            const auto indent = indents.back();
            if (t.start_col >= static_cast<int>(indent.size())) {
                out += indent;
                prev_col = static_cast<int>(indent.size());
            }
            startline = false;
        }
        if (t.start_row < prev_row || (t.start_row == prev_row && t.start_col < prev_col))
            return make_error(Errc::bad_value, "token at line " + std::to_string(t.start_row) + " column " +
                                                   std::to_string(t.start_col) + " precedes the previous one");
        if (t.start_row > prev_row) {
            for (int r = prev_row; r < t.start_row; ++r) out += U"\\\n";
            prev_col = 0;
        }
        out.append(static_cast<std::size_t>(t.start_col - prev_col), U' ');
        out += t.text;
        prev_row = t.end_row, prev_col = t.end_col;
        if (line_end(t.type)) ++prev_row, prev_col = 0;
    }
    return out;
}

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

} // namespace

bool has_minify_marker(std::string_view s) noexcept {
    constexpr std::string_view tag = "!mitogen:", word = "minify_safe";
    for (std::size_t hash = s.find('#'); hash != std::string_view::npos; hash = s.find('#', hash + 1)) {
        if (hash == 0 || !ascii_space(s[hash - 1])) continue;
        std::size_t i = hash + 1;
        while (i < s.size() && ascii_space(s[i])) ++i;
        if (s.substr(i, tag.size()) != tag) continue;
        i += tag.size();
        while (i < s.size() && ascii_space(s[i])) ++i;
        if (s.substr(i, word.size()) == word) return true;
    }
    return false;
}

Result<std::string> minimize_source(std::string_view utf8) {
    auto text = utf8_to_u32(utf8);
    if (!text) return std::move(text).error();
    auto tokens = python_tokens(*text);
    if (!tokens) return std::move(tokens).error();
    auto re = reindent(strip_docstrings(strip_comments(std::move(*tokens))));
    if (!re) return std::move(re).error();
    auto out = untokenize(*re);
    if (!out) return std::move(out).error();
    return u32_to_utf8(*out);
}

} // namespace mitokit::modules
