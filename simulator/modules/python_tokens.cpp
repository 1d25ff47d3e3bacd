#include "python_tokens.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace mitokit::modules {
namespace {

using Line = std::u32string_view;
using Pos = std::optional<std::size_t>; // end of a match, or no match

bool digit(Line l, std::size_t i) { return i < l.size() && l[i] >= U'0' && l[i] <= U'9'; }
bool hexdigit(char32_t c) { return (c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F'); }
bool ascii_alpha(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool word(char32_t c) { return ascii_alpha(c) || (c >= U'0' && c <= U'9') || c == U'_' || c >= 0x80; }
bool identifier_start(char32_t c) { return ascii_alpha(c) || c == U'_' || c >= 0x80; }
bool quote(char32_t c) { return c == U'\'' || c == U'"'; }

// tokenize's string prefixes: "", and every ordering and casing of b, r, u, f, br, fr.
bool string_prefix(Line p) {
    if (p.size() > 2) return false;
    std::u32string low;
    for (char32_t c : p) low.push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
    if (low.size() < 2) return low.empty() || low == U"b" || low == U"r" || low == U"u" || low == U"f";
    return low == U"br" || low == U"rb" || low == U"fr" || low == U"rf";
}

// The prefix length k (0..2) such that l[i..i+k) is a prefix and l[i+k] a quote.
std::optional<std::size_t> prefixed_quote(Line l, std::size_t i) {
    for (std::size_t k = 0; k <= 2 && i + k < l.size(); ++k) {
        if (quote(l[i + k])) return string_prefix(l.substr(i, k)) ? std::optional(k) : std::nullopt;
        if (!ascii_alpha(l[i + k])) return std::nullopt;
    }
    return std::nullopt;
}

// [0-9](?:_?[0-9])*
Pos digitpart(Line l, std::size_t i) {
    if (!digit(l, i)) return std::nullopt;
    ++i;
    for (;;) {
        if (digit(l, i)) ++i;
        else if (i < l.size() && l[i] == U'_' && digit(l, i + 1)) i += 2;
        else return i;
    }
}

Pos exponent(Line l, std::size_t i) {
    if (i >= l.size() || (l[i] != U'e' && l[i] != U'E')) return std::nullopt;
    ++i;
    if (i < l.size() && (l[i] == U'+' || l[i] == U'-')) ++i;
    return digitpart(l, i);
}

std::size_t maybe_exponent(Line l, std::size_t i) { return exponent(l, i).value_or(i); }

Pos pointfloat(Line l, std::size_t i) {
    if (auto d = digitpart(l, i); d && *d < l.size() && l[*d] == U'.') {
        std::size_t e = *d + 1;
        if (auto f = digitpart(l, e)) e = *f;
        return maybe_exponent(l, e);
    }
    if (i < l.size() && l[i] == U'.')
        if (auto f = digitpart(l, i + 1)) return maybe_exponent(l, *f);
    return std::nullopt;
}

Pos expfloat(Line l, std::size_t i) {
    auto d = digitpart(l, i);
    return d ? exponent(l, *d) : std::nullopt;
}

Pos floatnumber(Line l, std::size_t i) {
    if (auto p = pointfloat(l, i)) return p;
    return expfloat(l, i);
}

bool imag_suffix(Line l, std::size_t i) { return i < l.size() && (l[i] == U'j' || l[i] == U'J'); }

// 0[xX](?:_?[0-9a-fA-F])+ and friends
Pos radix(Line l, std::size_t i, char32_t lower, bool (*ok)(char32_t)) {
    if (i + 1 >= l.size() || l[i] != U'0' || (l[i + 1] != lower && l[i + 1] != lower - 32)) return std::nullopt;
    std::size_t j = i + 2, n = 0;
    for (;;) {
        if (j < l.size() && ok(l[j])) ++j, ++n;
        else if (j + 1 < l.size() && l[j] == U'_' && ok(l[j + 1])) j += 2, ++n;
        else break;
    }
    return n ? std::optional(j) : std::nullopt;
}

Pos intnumber(Line l, std::size_t i) {
    if (auto h = radix(l, i, U'x', hexdigit)) return h;
    if (auto b = radix(l, i, U'b', [](char32_t c) { return c == U'0' || c == U'1'; })) return b;
    if (auto o = radix(l, i, U'o', [](char32_t c) { return c >= U'0' && c <= U'7'; })) return o;
    if (i < l.size() && l[i] == U'0') {
        std::size_t j = i + 1;
        for (;;) {
            if (j < l.size() && l[j] == U'0') ++j;
            else if (j + 1 < l.size() && l[j] == U'_' && l[j + 1] == U'0') j += 2;
            else return j;
        }
    }
    if (i < l.size() && l[i] >= U'1' && l[i] <= U'9') return digitpart(l, i);
    return std::nullopt;
}

// Number = Imagnumber | Floatnumber | Intnumber, first alternative that matches.
Pos number(Line l, std::size_t i) {
    if (auto d = digitpart(l, i); d && imag_suffix(l, *d)) return *d + 1;
    if (auto p = pointfloat(l, i); p && imag_suffix(l, *p)) return *p + 1;
    if (auto e = expfloat(l, i); e && imag_suffix(l, *e)) return *e + 1;
    if (auto f = floatnumber(l, i)) return f;
    return intnumber(l, i);
}

// token.EXACT_TOKEN_TYPES, longest first where one is a prefix of another.
constexpr std::array<std::u32string_view, 49> OPERATORS = {
    U"**=", U"...", U"//=", U"<<=", U">>=", U"!=", U"%=", U"&=", U"**", U"*=", U"+=", U"-=", U"->",
    U"//", U"/=", U":=", U"<<", U"<=", U"==", U">=", U">>", U"@=", U"^=", U"|=", U"%", U"&", U"(",
    U")", U"*", U"+", U",", U"-", U".", U"/", U":", U";", U"<", U"=", U">", U"@", U"[", U"]", U"^",
    U"{", U"|", U"}", U"~", U"\r\n", U"\n"};

Pos funny(Line l, std::size_t i) {
    for (auto op : OPERATORS)
        if (l.substr(i, op.size()) == op) return i + op.size();
    return std::nullopt;
}

// The first line of a ' or " string: ends at its quote, or at a backslash-newline
// (a string continued on the next line).
Pos contstr(Line l, std::size_t i) {
    auto k = prefixed_quote(l, i);
    if (!k) return std::nullopt;
    const char32_t q = l[i + *k];
    for (std::size_t j = i + *k + 1; j < l.size();) {
        const char32_t c = l[j];
        if (c == q) return j + 1;
        if (c == U'\n') return std::nullopt;
        if (c == U'\\') {
            if (j + 1 < l.size() && l[j + 1] == U'\n') return j + 2;
            if (j + 2 < l.size() && l[j + 1] == U'\r' && l[j + 2] == U'\n') return j + 3;
            if (j + 1 >= l.size()) return std::nullopt;
            j += 2;
            continue;
        }
        ++j;
    }
    return std::nullopt;
}

// The rest of a string after its opening quote(s), on one line (endpats).
Pos string_tail(Line l, std::size_t i, char32_t q, bool triple) {
    for (std::size_t j = i; j < l.size();) {
        const char32_t c = l[j];
        if (c == q) {
            if (!triple) return j + 1;
            if (j + 2 < l.size() && l[j + 1] == q && l[j + 2] == q) return j + 3;
            ++j;
            continue;
        }
        if (c == U'\\') {
            if (j + 1 >= l.size() || l[j + 1] == U'\n') return std::nullopt; // '.' stops at a newline
            j += 2;
            continue;
        }
        ++j;
    }
    return std::nullopt;
}

// PseudoToken's group at `i` (after the leading whitespace): its end, or nothing.
Pos pseudo_token(Line l, std::size_t i) {
    const std::size_t n = l.size();
    if (i == n) return i; // \Z
    const char32_t c = l[i];
    if (c == U'\\') {
        if (i + 1 < n && l[i + 1] == U'\n') return i + 2;
        if (i + 2 < n && l[i + 1] == U'\r' && l[i + 2] == U'\n') return i + 3;
    }
    if (c == U'#') {
        std::size_t j = i;
        while (j < n && l[j] != U'\r' && l[j] != U'\n') ++j;
        return j;
    }
    if (auto k = prefixed_quote(l, i)) {
        const std::size_t q = i + *k;
        if (q + 2 < n && l[q + 1] == l[q] && l[q + 2] == l[q]) return q + 3;
    }
    if (auto e = number(l, i)) return e;
    if (auto e = funny(l, i)) return e;
    if (auto e = contstr(l, i)) return e;
    if (word(c)) {
        std::size_t j = i;
        while (j < n && word(l[j])) ++j;
        return j;
    }
    return std::nullopt;
}

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\f' || c == U'\n' || c == U'\r' || c == U'\v'; }

class Tokenizer {
public:
    explicit Tokenizer(std::u32string_view src) {
        for (std::size_t i = 0; i < src.size();) {
            const auto nl = src.find(U'\n', i);
            const std::size_t end = nl == std::u32string_view::npos ? src.size() : nl + 1;
            lines_.push_back(src.substr(i, end - i));
            i = end;
        }
    }

    Result<std::vector<PyToken>> run();

private:
    void emit(PyTok t, std::u32string text, int sr, int sc, int er, int ec) {
        out_.push_back(PyToken{t, std::move(text), sr, sc, er, ec});
    }
    static int col(std::size_t c) { return static_cast<int>(c); }

    std::vector<Line> lines_;
    std::vector<PyToken> out_;
};

Result<std::vector<PyToken>> Tokenizer::run() {
    int lnum = 0, parenlev = 0;
    bool continued = false;
    std::u32string cont;                 // a string continued over lines
    bool needcont = false;
    int str_row = 0, str_col = 0;
    char32_t str_quote = 0;
    bool str_triple = false;
    std::vector<int> indents{0};
    Line line, last_line;
    std::size_t next = 0;
    for (;;) {
        last_line = line;
        line = next < lines_.size() ? lines_[next++] : Line{};
        ++lnum;
        std::size_t pos = 0;
        const std::size_t max = line.size();

        if (!cont.empty()) {
            if (line.empty())
                return make_error(Errc::bad_value, "EOF in multi-line string starting at line " + std::to_string(str_row));
            if (auto end = string_tail(line, 0, str_quote, str_triple)) {
                pos = *end;
                emit(PyTok::string, cont + std::u32string(line.substr(0, pos)), str_row, str_col, lnum, col(pos));
                cont.clear();
                needcont = false;
            } else if (needcont && !line.ends_with(U"\\\n") && !line.ends_with(U"\\\r\n")) {
                emit(PyTok::errortoken, cont + std::u32string(line), str_row, str_col, lnum, col(max));
                cont.clear();
                continue;
            } else {
                cont += line;
                continue;
            }
        } else if (parenlev == 0 && !continued) {
            if (line.empty()) break;
            int column = 0;
            for (; pos < max; ++pos) {
                if (line[pos] == U' ') ++column;
                else if (line[pos] == U'\t') column = (column / 8 + 1) * 8;
                else if (line[pos] == U'\f') column = 0;
                else break;
            }
            if (pos == max) break;
            if (line[pos] == U'#' || line[pos] == U'\r' || line[pos] == U'\n') {
                if (line[pos] == U'#') {
                    std::size_t end = max;
                    while (end > pos && (line[end - 1] == U'\r' || line[end - 1] == U'\n')) --end;
                    emit(PyTok::comment, std::u32string(line.substr(pos, end - pos)), lnum, col(pos), lnum, col(end));
                    pos = end;
                }
                emit(PyTok::nl, std::u32string(line.substr(pos)), lnum, col(pos), lnum, col(max));
                continue;
            }
            if (column > indents.back()) {
                indents.push_back(column);
                emit(PyTok::indent, std::u32string(line.substr(0, pos)), lnum, 0, lnum, col(pos));
            }
            while (column < indents.back()) {
                if (std::find(indents.begin(), indents.end(), column) == indents.end())
                    return make_error(Errc::bad_value,
                                      "unindent does not match any outer indentation level at line " + std::to_string(lnum));
                indents.pop_back();
                emit(PyTok::dedent, {}, lnum, col(pos), lnum, col(pos));
            }
        } else {
            if (line.empty()) return make_error(Errc::bad_value, "EOF in multi-line statement at line " + std::to_string(lnum));
            continued = false;
        }

        while (pos < max) {
            std::size_t start = pos;
            while (start < max && (line[start] == U' ' || line[start] == U'\t' || line[start] == U'\f')) ++start;
            const auto m = pseudo_token(line, start);
            if (!m) {
                emit(PyTok::errortoken, std::u32string(1, line[pos]), lnum, col(pos), lnum, col(pos + 1));
                ++pos;
                continue;
            }
            const std::size_t end = *m;
            pos = end;
            if (start == end) continue;
            const std::u32string token(line.substr(start, end - start));
            const char32_t initial = token[0];
            const auto pq = prefixed_quote(token, 0);
            if ((initial >= U'0' && initial <= U'9') || (initial == U'.' && token != U"." && token != U"...")) {
                emit(PyTok::number, token, lnum, col(start), lnum, col(end));
            } else if (initial == U'\r' || initial == U'\n') {
                emit(parenlev > 0 ? PyTok::nl : PyTok::newline, token, lnum, col(start), lnum, col(end));
            } else if (initial == U'#') {
                emit(PyTok::comment, token, lnum, col(start), lnum, col(end));
            } else if (pq && token.size() == *pq + 3 && token[*pq + 1] == token[*pq] && token[*pq + 2] == token[*pq]) {
                str_quote = token[*pq];
                str_triple = true;
                if (auto tail = string_tail(line, pos, str_quote, true)) {
                    pos = *tail;
                    emit(PyTok::string, std::u32string(line.substr(start, pos - start)), lnum, col(start), lnum, col(pos));
                } else {
                    str_row = lnum, str_col = col(start);
                    cont = std::u32string(line.substr(start));
                    break;
                }
            } else if (pq) {
                if (token.back() == U'\n') {
                    str_row = lnum, str_col = col(start);
                    str_quote = token[*pq];
                    str_triple = false;
                    cont = std::u32string(line.substr(start));
                    needcont = true;
                    break;
                }
                emit(PyTok::string, token, lnum, col(start), lnum, col(end));
            } else if (identifier_start(initial)) {
                emit(PyTok::name, token, lnum, col(start), lnum, col(end));
            } else if (initial == U'\\') {
                continued = true;
            } else {
                if (initial == U'(' || initial == U'[' || initial == U'{') ++parenlev;
                else if (initial == U')' || initial == U']' || initial == U'}') --parenlev;
                emit(PyTok::op, token, lnum, col(start), lnum, col(end));
            }
        }
    }
    if (!last_line.empty() && last_line.back() != U'\r' && last_line.back() != U'\n') {
        std::size_t i = 0;
        while (i < last_line.size() && is_space(last_line[i])) ++i;
        if (i == last_line.size() || last_line[i] != U'#')
            emit(PyTok::newline, {}, lnum - 1, col(last_line.size()), lnum - 1, col(last_line.size() + 1));
    }
    for (std::size_t i = 1; i < indents.size(); ++i) emit(PyTok::dedent, {}, lnum, 0, lnum, 0);
    emit(PyTok::endmarker, {}, lnum, 0, lnum, 0);
    return std::move(out_);
}

} // namespace

Result<std::vector<PyToken>> python_tokens(std::u32string_view source) { return Tokenizer(source).run(); }

Result<std::u32string> utf8_to_u32(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
        char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto cb = static_cast<unsigned char>(s[i + k]);
            ok = (cb & 0xc0) == 0x80;
            cp = (cp << 6) | (cb & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static constexpr char32_t MIN_FOR_LEN[] = {0, 0, 0x80, 0x800, 0x10000};
        if (!ok || cp < MIN_FOR_LEN[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return make_error(Errc::bad_value, "source is not UTF-8 at byte " + std::to_string(i), i);
        out.push_back(cp);
        i += len;
    }
    return out;
}

std::string u32_to_utf8(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
        }
    }
    return out;
}

} // namespace mitokit::modules
