#include "code_names.hpp"

#include <array>
#include <optional>

namespace mitokit::modules::detail {
namespace {

bool is_keyword(std::string_view w) {
    static constexpr std::array<std::string_view, 35> KEYWORDS{
        "False", "None",   "True",    "and",      "as",   "assert", "async",  "await", "break",
        "class", "continue", "def",   "del",      "elif", "else",   "except", "finally", "for",
        "from",  "global", "if",      "import",   "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",   "raise",   "return",   "try",  "while",  "with",   "yield"};
    for (std::string_view k : KEYWORDS)
        if (k == w) return true;
    return false;
}

bool opens(const Tok& t) { return t.kind == TokKind::op && (t.text == "(" || t.text == "[" || t.text == "{"); }

// `=` that is neither `==` nor the end of `<=`, `>=`, `!=` (each `=` is a token of its own).
bool plain_equals(Toks t, std::size_t i) {
    if (!is(t[i], "=")) return false;
    if (i + 1 < t.size() && is(t[i + 1], "=")) return false;
    if (i > 0 && t[i - 1].kind == TokKind::op && t[i - 1].depth == t[i].depth &&
        (t[i - 1].text == "=" || t[i - 1].text == "<" || t[i - 1].text == ">" || t[i - 1].text == "!"))
        return false;
    return true;
}

// The closing bracket of the one opened at t[open] (tokens inside are deeper), or t.size().
std::size_t closing(Toks t, std::size_t open) {
    const int d = t[open].depth;
    std::size_t i = open + 1;
    while (i < t.size() && t[i].depth > d) ++i;
    return i;
}

// The first token at depth d from `from` that is one of the names.
std::optional<std::size_t> find_at(Toks t, std::size_t from, int d, std::initializer_list<std::string_view> words) {
    for (std::size_t i = from; i < t.size(); ++i) {
        if (t[i].depth != d || t[i].kind != TokKind::name) continue;
        for (std::string_view w : words)
            if (t[i].text == w) return i;
    }
    return std::nullopt;
}

// The ranges of `t` (at depth d) between commas at depth d.
template <class F>
void split_commas(Toks t, int d, F&& each) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= t.size(); ++i) {
        if (i == t.size() || (t[i].depth == d && is(t[i], ","))) {
            each(t.subspan(start, i - start));
            start = i + 1;
        }
    }
}

} // namespace

std::size_t CodeNames::add(std::string_view name) {
    return index_.try_emplace(std::string(name), static_cast<std::uint32_t>(index_.size())).first->second;
}

void CodeNames::expression(Toks t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        const Tok& k = t[i];
        if (k.kind == TokKind::string) {
            fstring(k.text);
            continue;
        }
        if (opens(k)) {
            // A comprehension runs in a code object of its own: only its outermost
            // iterable is evaluated here.
            const std::size_t close = closing(t, i);
            const int d = k.depth + 1;
            if (const auto f = find_at(t.first(close), i + 1, d, {"for"})) {
                if (const auto in = find_at(t.first(close), *f + 1, d, {"in"})) {
                    const std::size_t end = find_at(t.first(close), *in + 1, d, {"for", "if", "async"}).value_or(close);
                    expression(t.subspan(*in + 1, end - *in - 1));
                    i = close;
                    continue;
                }
            }
            continue;
        }
        if (k.kind != TokKind::name) continue;
        if (k.text == "lambda") {
            // Its parameters' defaults are evaluated here, its body is not.
            const int d = k.depth;
            std::size_t j = i + 1;
            while (j < t.size() && !(t[j].depth == d && is(t[j], ":"))) {
                if (t[j].depth == d && plain_equals(t, j)) {
                    std::size_t e = j + 1;
                    while (e < t.size() && !(t[e].depth == d && (is(t[e], ",") || is(t[e], ":")))) ++e;
                    expression(t.subspan(j + 1, e - j - 1));
                    j = e;
                    continue;
                }
                ++j;
            }
            while (j < t.size() && t[j].depth >= d &&
                   !(t[j].depth == d && (is(t[j], ",") || is(t[j], "for"))))
                ++j;
            i = j - 1;
            continue;
        }
        if (is_keyword(k.text) || k.text == "__debug__") continue; // __debug__ is a constant
        if (k.depth > 0 && i + 1 < t.size() && plain_equals(t, i + 1)) continue; // a keyword argument's name
        add(k.text);
    }
}

void CodeNames::fstring(std::string_view lit) {
    std::size_t q = 0;
    bool is_f = false;
    while (q < lit.size() && lit[q] != '\'' && lit[q] != '"') {
        is_f = is_f || lit[q] == 'f' || lit[q] == 'F';
        ++q;
    }
    if (is_f) fields(lit.substr(q));
}

void CodeNames::fields(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '{') continue;
        if (i + 1 < text.size() && text[i + 1] == '{') {
            ++i;
            continue;
        }
        // The replacement field's expression: up to a `!` conversion, a `:` format
        // spec (which may hold fields of its own) or a self-documenting `=`, at its
        // own bracket level.
        int depth = 0;
        std::size_t j = i + 1, end = std::string_view::npos, spec = std::string_view::npos;
        for (; j < text.size(); ++j) {
            const char c = text[j];
            if (c == '(' || c == '[' || c == '{') ++depth;
            else if ((c == ')' || c == ']') && depth > 0) --depth;
            else if (c == '}') {
                if (depth == 0) break;
                --depth;
            } else if (depth == 0 && end == std::string_view::npos) {
                const char next = j + 1 < text.size() ? text[j + 1] : '\0';
                if (c == ':') spec = end = j;
                else if (c == '!' && next != '=') end = j;
                else if (c == '=' && next != '=' && std::string_view("=!<>").find(text[j - 1]) == std::string_view::npos)
                    end = j;
            } else if (depth == 0 && c == ':' && spec == std::string_view::npos) {
                spec = j;
            }
        }
        const std::size_t stop = end == std::string_view::npos ? j : end;
        for (const Line& l : logical_lines(text.substr(i + 1, stop - i - 1))) expression(l.toks);
        if (spec != std::string_view::npos) fields(text.substr(spec + 1, j - spec - 1));
        i = j;
    }
}

void CodeNames::statement(Toks t) {
    if (t.empty()) return;
    if (is(t[0], "global") || is(t[0], "nonlocal")) return;
    // An annotated assignment: `target: annotation [= value]`, the colon at depth 0
    // and no lambda before it.
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].depth != 0) continue;
        if (is(t[i], "lambda")) break;
        if (!is(t[i], ":")) continue;
        std::size_t eq = i + 1;
        while (eq < t.size() && !(t[eq].depth == 0 && plain_equals(t, eq))) ++eq;
        const bool simple = i == 1 && t[0].kind == TokKind::name;
        if (eq < t.size()) expression(t.subspan(eq + 1));
        if (!simple || eq < t.size()) expression(t.first(i)); // a simple target without a value is a constant
        if (!future_annotations_) expression(t.subspan(i + 1, eq - i - 1));
        if (simple) add("__annotations__");
        return;
    }
    expression(t);
}

void CodeNames::def_header(Toks t) {
    const std::size_t at = is(t[0], "async") ? 1 : 0;
    if (at + 1 >= t.size() || t[at + 1].kind != TokKind::name) return;
    const std::string_view name = t[at + 1].text;
    if (at + 2 < t.size() && is(t[at + 2], "(")) {
        const std::size_t open = at + 2, close = closing(t, open);
        const int d = t[open].depth + 1;
        split_commas(t.subspan(open + 1, close - open - 1), d, [&](Toks p) {
            std::size_t colon = p.size(), eq = p.size();
            for (std::size_t i = 0; i < p.size(); ++i) {
                if (p[i].depth != d) continue;
                if (colon == p.size() && eq == p.size() && is(p[i], ":")) colon = i;
                else if (eq == p.size() && plain_equals(p, i)) eq = i;
            }
            if (eq < p.size()) expression(p.subspan(eq + 1));
            if (colon < p.size() && !future_annotations_) expression(p.subspan(colon + 1, eq - colon - 1));
        });
        for (std::size_t i = close; i < t.size(); ++i)
            if (is(t[i], "->") && !future_annotations_) expression(t.subspan(i + 1));
    }
    add(name);
}

void CodeNames::class_header(Toks t) {
    if (t.size() < 2 || t[1].kind != TokKind::name) return;
    if (t.size() > 2 && is(t[2], "(")) expression(t.subspan(3, closing(t, 2) - 3));
    add(t[1].text);
}

} // namespace mitokit::modules::detail
