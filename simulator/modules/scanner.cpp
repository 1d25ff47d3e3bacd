#include "scanner.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace mitokit::modules {
namespace {

enum class TokKind : std::uint8_t { name, op, string, number };

struct Tok {
    TokKind kind;
    std::string_view text;
    int depth; // bracket depth inside the logical line before this token
};

struct Line {
    int indent = 0;
    std::vector<Tok> toks;
};

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

// Splits source into logical lines (implicit joining inside brackets, backslash
// continuation), dropping comments and blank lines.
std::vector<Line> logical_lines(std::string_view s) {
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

bool is(const Tok& t, std::string_view text) { return t.text == text && t.kind != TokKind::string; }

using Toks = std::span<const Tok>;

// The compiler's view of a constant condition (after AST folding), if it is one.
std::optional<bool> constant_truth(Toks cond) {
    bool negate = false;
    std::size_t i = 0;
    while (i < cond.size() && is(cond[i], "not")) { negate = !negate; ++i; }
    if (i + 1 != cond.size()) {
        if (i + 3 == cond.size() && is(cond[i], "(") && is(cond[i + 2], ")")) ++i;
        else return std::nullopt;
    }
    const Tok& t = cond[i];
    std::optional<bool> v;
    if (t.kind == TokKind::name) {
        if (t.text == "True" || t.text == "__debug__") v = true;
        else if (t.text == "False" || t.text == "None") v = false;
    } else if (t.kind == TokKind::number) {
        bool zero = true;
        for (char ch : t.text) {
            if (ch >= '1' && ch <= '9') zero = false;
            if ((ch | 0x20) == 'x' || (ch | 0x20) == 'j') zero = zero && true;
        }
        v = !zero;
    } else if (t.kind == TokKind::string) {
        // "" or '' is false; anything longer (or a prefixed form) is taken as true.
        const auto q = t.text.find_first_of("'\"");
        v = !(t.text.size() - q == 2 || t.text.size() - q == 6);
    }
    if (v && negate) v = !*v;
    return v;
}

// Index of the colon ending a compound statement header at line depth 0, skipping
// colons that belong to lambdas.
std::optional<std::size_t> header_colon(Toks t, std::size_t from) {
    int lambdas = 0;
    for (std::size_t i = from; i < t.size(); ++i) {
        if (t[i].depth != 0) continue;
        if (is(t[i], "lambda")) ++lambdas;
        else if (is(t[i], ":")) {
            if (lambdas > 0) --lambdas;
            else return i;
        }
    }
    return std::nullopt;
}

void parse_dotted(Toks t, std::size_t& i, std::string& out) {
    while (i < t.size() && t[i].kind == TokKind::name && t[i].text != "import") {
        out.append(t[i].text);
        ++i;
        // `a. import b` is a syntax error, not the module "a.": the keyword never continues a name.
        if (i < t.size() && is(t[i], ".") && i + 1 < t.size() && t[i + 1].kind == TokKind::name &&
            t[i + 1].text != "import") {
            out.push_back('.');
            ++i;
        } else {
            break;
        }
    }
}

void parse_import(Toks t, std::vector<ImportRef>& out) {
    std::size_t i = 1;
    while (i < t.size()) {
        ImportRef r;
        parse_dotted(t, i, r.module);
        if (r.module.empty()) return;
        out.push_back(std::move(r));
        if (i < t.size() && is(t[i], "as")) i += 2;
        if (i < t.size() && is(t[i], ",")) { ++i; continue; }
        return;
    }
}

void parse_from(Toks t, std::vector<ImportRef>& out) {
    ImportRef r;
    std::size_t i = 1;
    while (i < t.size() && is(t[i], ".")) { ++r.level; ++i; }
    parse_dotted(t, i, r.module);
    if (i >= t.size() || !is(t[i], "import")) return;
    if (r.module.empty() && r.level == 0) return;
    ++i;
    if (i < t.size() && is(t[i], "(")) ++i;
    while (i < t.size()) {
        if (is(t[i], "*")) { r.fromlist.emplace_back("*"); break; }
        if (t[i].kind != TokKind::name) break;
        r.fromlist.emplace_back(t[i].text);
        ++i;
        if (i < t.size() && is(t[i], "as")) i += 2;
        if (i < t.size() && is(t[i], ",")) { ++i; continue; }
        break;
    }
    if (r.fromlist.empty()) return;
    out.push_back(std::move(r));
}

bool is_compound_keyword(std::string_view w) {
    return w == "if" || w == "elif" || w == "else" || w == "try" || w == "except" || w == "finally" ||
           w == "with" || w == "for" || w == "while" || w == "match" || w == "case";
}

// `TYPE_CHECKING`, `typing.TYPE_CHECKING`, `t.TYPE_CHECKING`...
bool is_type_checking(Toks cond) {
    if (cond.empty() || cond.size() % 2 == 0) return false;
    for (std::size_t i = 0; i < cond.size(); ++i)
        if (i % 2 ? !is(cond[i], ".") : cond[i].kind != TokKind::name) return false;
    return cond.back().text == "TYPE_CHECKING";
}

// The master's interpreter, for the version tests modules branch on (Debian 12's python3).
constexpr std::array<long, 3> MASTER_PYTHON = {3, 11, 2};

std::optional<long> small_int(const Tok& t) {
    if (t.kind != TokKind::number || t.text.empty() || t.text.size() > 6) return std::nullopt;
    long v = 0;
    for (char ch : t.text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + (ch - '0');
    }
    return v;
}

// `sys.version_info OP (3, 10)`, `sys.version_info[:2] OP (3, 10)`, `sys.version_info[0] OP 3` and
// `sys.version_info.major/minor/micro OP N` (optionally under `not`), evaluated for the master's Python:
// of a module's version branches only the one that runs there imports anything while it loads. Anything
// else (a name bound to such a test, `and`/`or`, a tuple reaching the release level) is not a version test.
std::optional<bool> version_truth(Toks c) {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    if (c.size() < i + 5 || !is(c[i], "sys") || !is(c[i + 1], ".") || !is(c[i + 2], "version_info")) return std::nullopt;
    i += 3;
    std::vector<long> lhs(MASTER_PYTHON.begin(), MASTER_PYTHON.end());
    bool scalar = false, whole = true; // `whole`: the full 5-tuple (longer than any 3-number tuple)
    if (i + 2 < c.size() && is(c[i], ".") && c[i + 1].kind == TokKind::name) {
        const std::string_view f = c[i + 1].text;
        const int k = f == "major" ? 0 : f == "minor" ? 1 : f == "micro" ? 2 : -1;
        if (k < 0) return std::nullopt;
        lhs = {MASTER_PYTHON[static_cast<std::size_t>(k)]};
        scalar = true;
        i += 2;
    } else if (i + 3 < c.size() && is(c[i], "[")) {
        if (is(c[i + 1], ":") && i + 3 < c.size() && is(c[i + 3], "]")) {
            const auto n = small_int(c[i + 2]);
            if (!n || *n < 1 || *n > 3) return std::nullopt;
            lhs.resize(static_cast<std::size_t>(*n));
            whole = false;
            i += 4;
        } else if (is(c[i + 2], "]")) {
            const auto k = small_int(c[i + 1]);
            if (!k || *k > 2) return std::nullopt;
            lhs = {MASTER_PYTHON[static_cast<std::size_t>(*k)]};
            scalar = true;
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    // The operator: one or two tokens (the scanner splits `>=`).
    if (i >= c.size() || c[i].kind != TokKind::op) return std::nullopt;
    std::string op(c[i].text);
    ++i;
    if (i < c.size() && is(c[i], "=") && (op == "<" || op == ">" || op == "=" || op == "!")) {
        op += "=";
        ++i;
    }
    if (op != "<" && op != ">" && op != "<=" && op != ">=" && op != "==" && op != "!=") return std::nullopt;
    std::vector<long> rhs;
    if (scalar) {
        if (i + 1 != c.size()) return std::nullopt;
        const auto n = small_int(c[i]);
        if (!n) return std::nullopt;
        rhs = {*n};
    } else {
        if (i >= c.size() || !is(c[i], "(") || !is(c.back(), ")")) return std::nullopt;
        bool comma = false;
        for (std::size_t j = i + 1; j + 1 < c.size(); ++j) {
            if ((j - i) % 2 == 1) {
                const auto n = small_int(c[j]);
                if (!n) return std::nullopt;
                rhs.push_back(*n);
            } else if (is(c[j], ",")) {
                comma = true;
            } else {
                return std::nullopt;
            }
        }
        // `(3)` is the int 3, which a tuple does not compare with.
        if (rhs.empty() || rhs.size() > 3 || !comma) return std::nullopt;
    }
    // Python's sequence comparison; the whole version_info is longer than any tuple here.
    int cmp = 0;
    for (std::size_t k = 0; k < std::min(lhs.size(), rhs.size()) && cmp == 0; ++k)
        cmp = lhs[k] < rhs[k] ? -1 : lhs[k] > rhs[k] ? 1 : 0;
    if (cmp == 0 && !scalar) {
        const std::size_t lhs_len = whole ? 5 : lhs.size();
        cmp = lhs_len < rhs.size() ? -1 : lhs_len > rhs.size() ? 1 : 0;
    }
    bool v = op == "<" ? cmp < 0 : op == ">" ? cmp > 0 : op == "<=" ? cmp <= 0 : op == ">=" ? cmp >= 0
             : op == "==" ? cmp == 0 : cmp != 0;
    return negate ? !v : v;
}

// `__name__ == "__main__"` (either way round, or `!=`): an imported module's name is never
// "__main__", so the guarded block of a module the master imports does not run.
std::optional<bool> main_guard_truth(Toks c) {
    if (c.size() != 4) return std::nullopt;
    const auto is_main = [](const Tok& t) {
        return t.kind == TokKind::string && (t.text == "\"__main__\"" || t.text == "'__main__'");
    };
    const bool eq = is(c[1], "=") && is(c[2], "=");
    const bool ne = is(c[1], "!") && is(c[2], "=");
    if (!eq && !ne) return std::nullopt;
    if (!((is(c[0], "__name__") && is_main(c[3])) || (is_main(c[0]) && is(c[3], "__name__")))) return std::nullopt;
    return ne;
}

// Attributes of the master's standard library that modules test before importing a
// fallback (requests: `if not getattr(ssl, "HAS_SNI", False):` imports urllib3's pyopenssl).
struct MasterFact {
    std::string_view module, attribute;
    bool truth;
};
constexpr MasterFact MASTER_FACTS[] = {{"ssl", "HAS_SNI", true}};

// `[not] MODULE.ATTR` or `[not] getattr(MODULE, "ATTR", default)` for a fact above.
std::optional<bool> master_fact_truth(Toks c) {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    const Toks t = c.subspan(i);
    std::string_view module, attribute;
    if (t.size() == 3 && t[0].kind == TokKind::name && is(t[1], ".") && t[2].kind == TokKind::name) {
        module = t[0].text;
        attribute = t[2].text;
    } else if (t.size() >= 6 && is(t[0], "getattr") && is(t[1], "(") && t[2].kind == TokKind::name && is(t[3], ",") &&
               t[4].kind == TokKind::string && is(t.back(), ")")) {
        module = t[2].text;
        attribute = t[4].text;
        if (attribute.size() < 2 || (attribute.front() != '"' && attribute.front() != '\'') ||
            attribute.back() != attribute.front())
            return std::nullopt; // a prefixed or triple-quoted string: not worth reading
        attribute = attribute.substr(1, attribute.size() - 2);
    } else {
        return std::nullopt;
    }
    for (const MasterFact& f : MASTER_FACTS)
        if (f.module == module && f.attribute == attribute) return negate ? !f.truth : f.truth;
    return std::nullopt;
}

// Module-level names bound once, to a constant (`tornado = None`), and never bound again
// anywhere in the module: `if NAME:` then has the constant's truth. Any other binding of
// the name (assignment, import, def, for, as, global, del, :=, a parameter) leaves it unknown.
class ConstNames {
public:
    explicit ConstNames(const std::vector<Line>& lines) {
        std::vector<std::string_view> bound;
        for (std::size_t n = 0; n < lines.size(); ++n) {
            const Toks t = lines[n].toks;
            if (t.size() >= 3 && lines[n].indent == 0 && t[0].kind == TokKind::name && is(t[1], "=") &&
                !is(t[2], "=")) {
                if (auto v = constant_truth(t.subspan(2)); v && !is_keyword(t[0].text)) {
                    consts_.push_back({t[0].text, *v, n});
                    bound.push_back(t[0].text);
                    collect_bindings(t.subspan(2), bound);
                    continue;
                }
            }
            collect_bindings(t, bound);
        }
        // A name bound more than once (or otherwise than by its constant) is unknown.
        std::vector<Const> kept;
        for (const Const& c : consts_)
            if (std::count(bound.begin(), bound.end(), c.name) == 1) kept.push_back(c);
        consts_ = std::move(kept);
    }

    // `NAME` or `not NAME` on line `line`, for a name set before it.
    std::optional<bool> truth(Toks c, std::size_t line) const {
        bool negate = false;
        std::size_t i = 0;
        while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
        if (i + 1 != c.size() || c[i].kind != TokKind::name) return std::nullopt;
        for (const Const& k : consts_)
            if (k.name == c[i].text && k.line < line) return negate ? !k.value : k.value;
        return std::nullopt;
    }

private:
    struct Const {
        std::string_view name;
        bool value;
        std::size_t line;
    };

    static bool is_keyword(std::string_view w) {
        return w == "True" || w == "False" || w == "None" || w == "__debug__";
    }

    // Every name the statement may bind, conservatively: targets before a depth-0 `=`,
    // names after import/as/def/class/for/global/nonlocal/del, before `:=`, and in import lines.
    static void collect_bindings(Toks t, std::vector<std::string_view>& bound) {
        const bool import_line = !t.empty() && (is(t[0], "import") || is(t[0], "from"));
        std::size_t assign = 0; // names before it are targets (none without an assignment)
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (t[i].depth != 0 || !is(t[i], "=")) continue;
            const bool compare = (i + 1 < t.size() && is(t[i + 1], "=")) ||
                                 (i > 0 && t[i - 1].kind == TokKind::op && t[i - 1].text.size() == 1 &&
                                  std::string_view("=!<>").find(t[i - 1].text[0]) != std::string_view::npos &&
                                  !(i > 1 && t[i - 2].text == t[i - 1].text)); // `<<=` and `>>=` assign
            if (!compare) assign = i; // the last one: chained targets all bind
        }
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (t[i].kind != TokKind::name) continue;
            const bool after_keyword =
                i > 0 && (is(t[i - 1], "import") || is(t[i - 1], "as") || is(t[i - 1], "def") || is(t[i - 1], "class") ||
                          is(t[i - 1], "for") || is(t[i - 1], "global") || is(t[i - 1], "nonlocal") || is(t[i - 1], "del"));
            const bool walrus = i + 1 < t.size() && is(t[i + 1], ":=");
            const bool parameter = i + 1 < t.size() && is(t[i + 1], "=") && t[i].depth > 0;
            if (import_line || after_keyword || walrus || parameter || i < assign) bound.push_back(t[i].text);
        }
    }

    std::vector<Const> consts_;
};

class Scanner {
public:
    explicit Scanner(bool executed_only) : executed_only_(executed_only) {}

    std::vector<ImportRef> run(std::string_view source) {
        const std::vector<Line> lines = logical_lines(source);
        const ConstNames consts(lines);
        consts_ = &consts;
        for (const Line& line : lines) {
            ++line_no_;
            if (skip_above_ >= 0) {
                if (line.indent > skip_above_) {
                    handler_line(line);
                    continue;
                }
                skip_above_ = -1;
            }
            end_handler();
            if (true_if_indent_ >= 0 && line.indent < true_if_indent_) true_if_indent_ = -1;
            close_tries(line);
            statements(line.toks, line.indent);
        }
        end_handler();
        if (executed_only_) {
            for (std::size_t k = 0; k < out_.size(); ++k) {
                const auto& enclosing = enclosing_[k];
                out_[k].reraised = !enclosing.empty() &&
                                   std::none_of(enclosing.begin(), enclosing.end(), [&](std::size_t id) { return tries_[id].swallows; });
            }
        }
        return std::move(out_);
    }

private:
    // A module-level try statement: its header's indent, whether its body is still
    // being read, and whether one of its except clauses swallows the exception
    // (does not end in `raise` at the handler's own level).
    struct Try {
        int indent;
        bool in_body = true;
        bool swallows = false;
    };

    bool clause_of(const Line& line, const Try& t) const {
        if (line.indent != t.indent || line.toks.empty()) return false;
        const auto w = line.toks[0].text;
        return line.toks[0].kind == TokKind::name && (w == "except" || w == "else" || w == "finally");
    }

    // A line at or left of a try's indent ends its body; anything but one of its own
    // clauses ends the statement.
    void close_tries(const Line& line) {
        if (!executed_only_) return;
        while (!open_.empty()) {
            Try& t = tries_[open_.back()];
            if (line.indent > t.indent) break;
            if (clause_of(line, t)) {
                t.in_body = false;
                break;
            }
            open_.pop_back();
        }
    }

    // A line of the except clause being skipped: `raise` at the handler's own level.
    void handler_line(const Line& line) {
        if (handler_ < 0) return;
        if (handler_indent_ < 0) handler_indent_ = line.indent;
        if (line.indent == handler_indent_ && !line.toks.empty() && is(line.toks[0], "raise")) handler_raises_ = true;
    }

    void end_handler() {
        if (handler_ >= 0 && !handler_raises_) tries_[static_cast<std::size_t>(handler_)].swallows = true;
        handler_ = -1;
        handler_indent_ = -1;
        handler_raises_ = false;
    }

    // A body that is not module-level code: the rest of this line, or the
    // following lines indented deeper than `indent`.
    void skip_body(Toks t, std::size_t colon, int indent) {
        if (colon + 1 >= t.size()) skip_above_ = indent;
    }

    void statements(Toks t, int indent) {
        if (t.empty()) return;
        const Tok& first = t[0];
        if (is(first, "@")) return;
        if (is(first, "def") || is(first, "class") ||
            (is(first, "async") && t.size() > 1 && is(t[1], "def"))) {
            if (auto c = header_colon(t, 1)) skip_body(t, *c, indent);
            return;
        }
        std::size_t kw = 0;
        if (is(first, "async") && t.size() > 1 && (is(t[1], "with") || is(t[1], "for"))) kw = 1;
        if (first.kind == TokKind::name && is_compound_keyword(t[kw].text)) {
            if (auto c = header_colon(t, kw + 1)) {
                const std::string_view w = t[kw].text;
                if ((w == "match" || w == "case") && *c == kw + 1) {
                    simple(t); // `match:` is not a match statement
                    return;
                }
                bool dead = false;
                if ((w == "elif" || w == "else") && true_if_indent_ == indent) dead = true;
                else if (w == "if" || w == "elif" || w == "while") {
                    const auto cond = t.subspan(kw + 1, *c - kw - 1);
                    auto v = constant_truth(cond);
                    if (!v && executed_only_ && w != "while") v = executed_truth(cond);
                    if (v && !*v) dead = true;
                    if (w != "while") {
                        if (v && *v) true_if_indent_ = indent;
                        else if (w == "if") true_if_indent_ = -1;
                    }
                } else if (w != "else") {
                    if (true_if_indent_ == indent) true_if_indent_ = -1;
                    if (w == "except" && executed_only_) {
                        dead = true;
                        except_clause(t, *c, indent);
                    }
                    if (w == "try" && executed_only_) {
                        tries_.push_back(Try{indent});
                        open_.push_back(tries_.size() - 1);
                    }
                }
                if (dead) {
                    skip_body(t, *c, indent);
                    return;
                }
                if (*c + 1 < t.size()) statements(t.subspan(*c + 1), indent + 1);
                return;
            }
        }
        if (true_if_indent_ == indent) true_if_indent_ = -1;
        simple(t);
    }

    // What a condition is while the module runs on the master, where the scan cannot fold it.
    std::optional<bool> executed_truth(Toks cond) const {
        if (is_type_checking(cond)) return false;
        if (auto v = version_truth(cond)) return v;
        if (auto v = main_guard_truth(cond)) return v;
        if (auto v = master_fact_truth(cond)) return v;
        return consts_ ? consts_->truth(cond, line_no_ - 1) : std::nullopt;
    }

    void simple(Toks t) {
        std::size_t start = 0;
        for (std::size_t i = 0; i <= t.size(); ++i) {
            if (i == t.size() || (t[i].depth == 0 && is(t[i], ";"))) {
                one(t.subspan(start, i - start));
                start = i + 1;
            }
        }
    }

    // An except clause of the innermost open try at this indent: its body follows
    // on later lines (read by handler_line while skipped) or on this one.
    void except_clause(Toks t, std::size_t colon, int indent) {
        if (open_.empty() || tries_[open_.back()].indent != indent) return;
        const std::size_t id = open_.back();
        if (colon + 1 < t.size()) {
            if (!is(t[colon + 1], "raise")) tries_[id].swallows = true;
            return;
        }
        handler_ = static_cast<long>(id);
    }

    void one(Toks t) {
        if (t.empty()) return;
        const std::size_t before = out_.size();
        if (is(t[0], "import")) parse_import(t, out_);
        else if (is(t[0], "from")) parse_from(t, out_);
        if (!executed_only_) return;
        std::vector<std::size_t> enclosing;
        for (std::size_t id : open_)
            if (tries_[id].in_body) enclosing.push_back(id);
        for (std::size_t k = before; k < out_.size(); ++k) enclosing_.push_back(enclosing);
    }

    bool executed_only_;
    const ConstNames* consts_ = nullptr; // valid during run()
    std::size_t line_no_ = 0;            // logical lines begun so far
    std::vector<ImportRef> out_;
    std::vector<std::vector<std::size_t>> enclosing_; // per import: the try bodies it is in
    std::vector<Try> tries_;
    std::vector<std::size_t> open_; // try statements not yet ended, outermost first
    long handler_ = -1;             // the try whose except clause is being skipped
    int handler_indent_ = -1;
    bool handler_raises_ = false;
    int skip_above_ = -1;
    int true_if_indent_ = -1;
};

} // namespace

std::vector<ImportRef> scan_imports(std::string_view source) {
    return Scanner{false}.run(source);
}

std::vector<ImportRef> scan_executed_imports(std::string_view source) {
    return Scanner{true}.run(source);
}

std::string imported_module(std::string_view package, const ImportRef& ref) {
    if (ref.level == 0) return ref.module;
    std::string base(package);
    if (base.empty()) return {};
    for (int up = 1; up < ref.level; ++up) {
        const auto cut = base.rfind('.');
        if (cut == std::string::npos) return {};
        base.resize(cut);
    }
    return ref.module.empty() ? base : base + "." + ref.module;
}

} // namespace mitokit::modules
