#include "run_conditions.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

namespace mitokit::modules::detail {
namespace {

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
// else (a name bound to such a test, a tuple reaching the release level) is not a version test.
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
        // `[:k]`, or `[0:k]` as future's `PY34_PLUS = sys.version_info[0:2] >= (3, 4)`.
        const bool zero = c[i + 1].kind == TokKind::number && c[i + 1].text == "0" && i + 4 < c.size() && is(c[i + 2], ":");
        if (zero) ++i;
        if (is(c[i + 1], ":") && i + 3 < c.size() && is(c[i + 3], "]")) {
            const auto n = small_int(c[i + 2]);
            if (!n || *n < 1 || *n > 3) return std::nullopt;
            lhs.resize(static_cast<std::size_t>(*n));
            whole = false;
            i += 4;
        } else if (zero) {
            return std::nullopt;
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
// fallback (requests: `if not getattr(ssl, "HAS_SNI", False):` imports urllib3's pyopenssl;
// msgpack: `if hasattr(sys, "pypy_version_info"):`), with whether Python 3.11 has them.
struct MasterFact {
    std::string_view module, attribute;
    bool present; // hasattr's answer
    bool truth;   // the attribute's truth, where present
};
constexpr MasterFact MASTER_FACTS[] = {
    {"ssl", "HAS_SNI", true, true},
    {"pkgutil", "find_loader", true, true}, // mitogen.master's own fallback test (Python 2.4)
    {"collections", "OrderedDict", true, true},
    {"os", "link", true, true},
    {"unittest", "skip", true, true},
    {"sys", "pypy_version_info", false, false},
    {"sys", "frozen", false, false}, // set by freezing tools, not by Debian's python3
};

// `[not] MODULE.ATTR`, `[not] getattr(MODULE, "ATTR", default)` or
// `[not] hasattr(MODULE, "ATTR")` for a fact above. An absent attribute's getattr is its
// default, where that is a constant; reading it plainly raises: unknown.
std::optional<bool> master_fact_truth(Toks c) {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    const Toks t = c.subspan(i);
    std::string_view module, attribute;
    enum class Form { plain, getattr, hasattr } form = Form::plain;
    if (t.size() == 3 && t[0].kind == TokKind::name && is(t[1], ".") && t[2].kind == TokKind::name) {
        module = t[0].text;
        attribute = t[2].text;
    } else if (t.size() >= 6 && (is(t[0], "getattr") || (is(t[0], "hasattr") && t.size() == 6)) && is(t[1], "(") &&
               t[2].kind == TokKind::name && is(t[3], ",") && t[4].kind == TokKind::string && is(t.back(), ")")) {
        form = is(t[0], "hasattr") ? Form::hasattr : Form::getattr;
        module = t[2].text;
        attribute = t[4].text;
        if (attribute.size() < 2 || (attribute.front() != '"' && attribute.front() != '\'') ||
            attribute.back() != attribute.front())
            return std::nullopt; // a prefixed or triple-quoted string: not worth reading
        attribute = attribute.substr(1, attribute.size() - 2);
    } else {
        return std::nullopt;
    }
    for (const MasterFact& f : MASTER_FACTS) {
        if (f.module != module || f.attribute != attribute) continue;
        std::optional<bool> v;
        if (form == Form::hasattr) v = f.present;
        else if (f.present) v = f.truth;
        else if (form == Form::getattr && t.size() > 7 && is(t[5], ",")) v = constant_truth(t.subspan(6, t.size() - 7));
        if (!v) return std::nullopt;
        return negate != *v;
    }
    return std::nullopt;
}

// The master's platform, for the tests modules branch on before importing a
// platform's own module (babel.localtime: `if sys.platform == 'win32':`; yarl:
// `if sys.implementation.name != "cpython":`).
struct PlatformName {
    std::string_view module, attribute, value;
    std::string_view member = {}; // a value one attribute further (`sys.implementation.name`)
};
constexpr PlatformName MASTER_PLATFORM[] = {
    {"sys", "platform", "linux"}, {"os", "name", "posix"}, {"sys", "implementation", "cpython", "name"}};

// The text of a plain string literal (no prefix, not triple-quoted, no escapes), if it is one.
std::optional<std::string_view> plain_string(const Tok& t) {
    const std::string_view s = t.text;
    if (t.kind != TokKind::string || s.size() < 2 || (s.front() != '"' && s.front() != '\'') || s.back() != s.front())
        return std::nullopt;
    const std::string_view body = s.substr(1, s.size() - 2);
    if (body.find('\\') != std::string_view::npos || body.find(s.front()) != std::string_view::npos) return std::nullopt;
    return body;
}

// Plain strings in `("a", "b")`, `["a", "b"]` or a lone `"a"` (tokens [from, to)); nullopt otherwise.
std::optional<std::vector<std::string_view>> string_items(Toks c, std::size_t from, std::size_t to) {
    std::vector<std::string_view> out;
    if (to == from + 1) {
        const auto v = plain_string(c[from]);
        if (!v) return std::nullopt;
        out.push_back(*v);
        return out;
    }
    if (to < from + 2 || !((is(c[from], "(") && is(c[to - 1], ")")) || (is(c[from], "[") && is(c[to - 1], "]"))))
        return std::nullopt;
    for (std::size_t j = from + 1; j + 1 < to; ++j) {
        if ((j - from) % 2 == 1) {
            const auto v = plain_string(c[j]);
            if (!v) return std::nullopt;
            out.push_back(*v);
        } else if (!is(c[j], ",")) {
            return std::nullopt;
        }
    }
    if (out.empty()) return std::nullopt;
    return out;
}

// `sys.platform == "win32"` (or `!=`, either way round), `sys.platform in ("a", "b")` (or `not in`),
// `sys.platform.startswith("win")` (or a tuple), and the same of `os.name` and
// `sys.implementation.name`, optionally under `not`.
std::optional<bool> platform_truth(Toks c) {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    const Toks t = c.subspan(i);
    // The platform value named at t[k], and the index past its name.
    struct Named {
        std::string_view value;
        std::size_t end;
    };
    const auto value_at = [&](std::size_t k) -> std::optional<Named> {
        if (k + 3 > t.size() || t[k].kind != TokKind::name || !is(t[k + 1], ".") || t[k + 2].kind != TokKind::name)
            return std::nullopt;
        for (const PlatformName& p : MASTER_PLATFORM) {
            if (t[k].text != p.module || t[k + 2].text != p.attribute) continue;
            if (p.member.empty()) return Named{p.value, k + 3};
            if (k + 5 <= t.size() && is(t[k + 3], ".") && t[k + 4].text == p.member) return Named{p.value, k + 5};
        }
        return std::nullopt;
    };
    std::optional<bool> v;
    if (const auto named = value_at(0)) {
        const std::string_view value = named->value;
        const std::size_t e = named->end;
        if (t.size() >= e + 4 && is(t[e], ".") && is(t[e + 1], "startswith") && is(t[e + 2], "(") && is(t.back(), ")")) {
            const Toks args = t.subspan(e + 3, t.size() - e - 4);
            const auto prefixes = args.size() == 1 ? string_items(args, 0, 1)
                                  : args.size() > 2 && is(args[0], "(") && is(args.back(), ")")
                                      ? string_items(args, 0, args.size())
                                      : std::nullopt;
            if (!prefixes) return std::nullopt;
            v = std::any_of(prefixes->begin(), prefixes->end(), [&](std::string_view p) { return value.substr(0, p.size()) == p; });
        } else if (t.size() == e + 3 && ((is(t[e], "=") || is(t[e], "!")) && is(t[e + 1], "="))) {
            const auto s = plain_string(t[e + 2]);
            if (!s) return std::nullopt;
            v = (*s == value) == is(t[e], "=");
        } else if (t.size() > e + 1 && (is(t[e], "in") || (is(t[e], "not") && is(t[e + 1], "in")))) {
            const std::size_t from = is(t[e], "in") ? e + 1 : e + 2;
            const auto items = string_items(t, from, t.size());
            if (!items) return std::nullopt;
            v = (std::find(items->begin(), items->end(), value) != items->end()) == (from == e + 1);
        }
    } else if (t.size() >= 6 && ((is(t[1], "=") || is(t[1], "!")) && is(t[2], "="))) {
        const auto s = plain_string(t[0]);
        const auto value2 = value_at(3);
        if (!s || !value2 || value2->end != t.size()) return std::nullopt;
        v = (*s == value2->value) == is(t[1], "=");
    }
    if (!v) return std::nullopt;
    return negate ? !*v : *v;
}

// `str is bytes` and `str is not bytes` (either way round, or with == and !=), a
// Python 2 test: on the master's Python 3 they are different types (ldap3:
// `if str is not bytes:  # Python 3`).
std::optional<bool> str_bytes_truth(Toks c) {
    std::size_t i = 0;
    bool negate = false;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    const Toks t = c.subspan(i);
    const auto types = [&](std::size_t a, std::size_t b) {
        return (is(t[a], "str") && is(t[b], "bytes")) || (is(t[a], "bytes") && is(t[b], "str"));
    };
    std::optional<bool> asks_same; // `is` and `==` ask whether they are one type
    if (t.size() == 3 && is(t[1], "is") && types(0, 2)) asks_same = true;
    else if (t.size() == 4 && is(t[1], "is") && is(t[2], "not") && types(0, 3)) asks_same = false;
    else if (t.size() == 4 && (is(t[1], "=") || is(t[1], "!")) && is(t[2], "=") && types(0, 3)) asks_same = is(t[1], "=");
    if (!asks_same) return std::nullopt;
    const bool v = !*asks_same; // they are not one type
    return negate ? !v : v;
}

// Variables set in any login environment: a test of one is not taken as false.
constexpr std::string_view SET_VARIABLES[] = {"HOME", "PATH", "USER", "LOGNAME", "SHELL", "LANG", "PWD", "TERM"};

// `os.environ.get("NAME")` (or with a false default: None, False, "", 0), `os.getenv("NAME")`
// and `"NAME" in os.environ` (or `not in`), optionally under `not`: the master's environment
// is taken to set none of the variables modules test to choose an implementation
// (msgpack's MSGPACK_PUREPYTHON), except the ones every login sets.
std::optional<bool> environment_truth(Toks c) {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    const Toks t = c.subspan(i);
    const auto is_environ = [&](std::size_t k) {
        return k + 3 <= t.size() && is(t[k], "os") && is(t[k + 1], ".") && is(t[k + 2], "environ");
    };
    std::optional<std::string_view> name;
    bool v = false;
    if (t.size() >= 7 && is_environ(0) && is(t[3], ".") && is(t[4], "get") && is(t[5], "(") && is(t.back(), ")")) {
        name = plain_string(t[6]);
        if (t.size() == 10 && is(t[7], ",")) {
            const Tok& d = t[8];
            const auto empty = plain_string(d);
            if (!(is(d, "None") || is(d, "False") || (d.kind == TokKind::number && d.text == "0") || (empty && empty->empty())))
                return std::nullopt;
        } else if (t.size() != 8) {
            return std::nullopt;
        }
    } else if (t.size() == 6 && is(t[0], "os") && is(t[1], ".") && is(t[2], "getenv") && is(t[3], "(") && is(t[5], ")")) {
        name = plain_string(t[4]);
    } else if (t.size() >= 5 && (is(t[1], "in") || (is(t[1], "not") && is(t[2], "in")))) {
        const std::size_t at = is(t[1], "in") ? 2 : 3;
        if (t.size() != at + 3 || !is_environ(at)) return std::nullopt;
        name = plain_string(t[0]);
        v = at == 3; // `not in` an environment without it
    } else {
        return std::nullopt;
    }
    if (!name || name->empty()) return std::nullopt;
    if (std::find(std::begin(SET_VARIABLES), std::end(SET_VARIABLES), *name) != std::end(SET_VARIABLES)) return std::nullopt;
    return negate ? !v : v;
}

bool is_keyword(std::string_view w) {
    return w == "True" || w == "False" || w == "None" || w == "__debug__";
}

} // namespace

// Every name the statement may bind, conservatively: targets before a depth-0 `=`,
// names after import/as/def/class/for/global/nonlocal/del, before `:=`, and in import lines.
void collect_bindings(Toks t, std::unordered_map<std::string_view, std::size_t>& bound) {
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
        if (import_line || after_keyword || walrus || parameter || i < assign) ++bound[t[i].text];
    }
}


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

namespace {

// Modules only Windows has: importing one fails on the master and on its children.
constexpr std::string_view WINDOWS_ONLY[] = {"msvcrt", "_winapi", "nt", "winreg", "_overlapped", "_msi", "winsound"};

// `NAME = True` or `NAME = False` at `indent`: NAME and the value.
std::optional<std::pair<std::string_view, bool>> flag_line(const Line& l, int indent) {
    const Toks t = l.toks;
    if (l.indent != indent || t.size() != 3 || t[0].kind != TokKind::name || !is(t[1], "=")) return std::nullopt;
    if (is(t[2], "True")) return std::pair{t[0].text, true};
    if (is(t[2], "False")) return std::pair{t[0].text, false};
    return std::nullopt;
}

// The platform probe `try: import msvcrt` / `except ...: NAME = False` / `else:
// NAME = True` (subprocess's _mswindows) starting at line n: NAME and the value the
// failed import gives it.
std::optional<std::pair<std::string_view, bool>> windows_probe(const std::vector<Line>& lines, std::size_t n) {
    if (n + 5 >= lines.size() || lines[n].indent != 0 || lines[n].toks.size() != 2 || !is(lines[n].toks[0], "try"))
        return std::nullopt;
    const Line& body = lines[n + 1];
    if (body.indent <= 0 || body.toks.size() != 2 || !is(body.toks[0], "import") ||
        std::find(std::begin(WINDOWS_ONLY), std::end(WINDOWS_ONLY), body.toks[1].text) == std::end(WINDOWS_ONLY))
        return std::nullopt;
    if (lines[n + 2].indent != 0 || lines[n + 2].toks.empty() || !is(lines[n + 2].toks[0], "except")) return std::nullopt;
    const auto failed = flag_line(lines[n + 3], body.indent);
    if (!failed || lines[n + 4].indent != 0 || lines[n + 4].toks.size() != 2 || !is(lines[n + 4].toks[0], "else"))
        return std::nullopt;
    const auto worked = flag_line(lines[n + 5], body.indent);
    if (!worked || worked->first != failed->first || worked->second == failed->second) return std::nullopt;
    return failed;
}

// What the truth tests read, under another name a module may give it: a module
// (`import sys as _sys`) or one of its attributes (`from sys import version_info`).
struct AliasTarget {
    std::string_view module, attribute;
};
constexpr AliasTarget ALIASABLE[] = {{"sys", ""},        {"os", ""},      {"ssl", ""},
                                     {"sys", "version_info"}, {"sys", "platform"}, {"os", "name"},
                                     {"os", "environ"},  {"os", "getenv"}, {"ssl", "HAS_SNI"}};

const AliasTarget* aliasable(std::string_view module, std::string_view attribute) {
    for (const AliasTarget& a : ALIASABLE)
        if (a.module == module && a.attribute == attribute) return &a;
    return nullptr;
}

// `sys.version_info`, `sys.version_info[:k]` or `[0:k]` (k of 1 to 3), all of `t`: its slice (0: whole).
std::optional<std::uint8_t> version_tuple(Toks t) {
    if (t.size() < 3 || !is(t[0], "sys") || !is(t[1], ".") || !is(t[2], "version_info")) return std::nullopt;
    if (t.size() == 3) return 0;
    const std::size_t colon = t.size() == 8 && t[4].kind == TokKind::number && t[4].text == "0" ? 5 : 4;
    if (t.size() != colon + 3 || !is(t[3], "[") || !is(t[colon], ":") || !is(t[colon + 2], "]")) return std::nullopt;
    const auto k = small_int(t[colon + 1]);
    if (!k || *k < 1 || *k > 3) return std::nullopt;
    return static_cast<std::uint8_t>(*k);
}

// A top-level `from M import A [as X], ...`: each name bound (X, or A) with the
// absolute module and the name it reads; nothing for a star import, or a relative
// one without the module's package.
struct FromImported {
    std::string_view bound, name;
};
std::string from_imports(const Line& l, const ModuleFacts* module, std::vector<FromImported>& out) {
    const Toks t = l.toks;
    if (l.indent != 0 || t.size() < 4 || !is(t[0], "from")) return {};
    std::size_t i = 1, level = 0;
    while (i < t.size() && (is(t[i], ".") || is(t[i], "..."))) level += t[i++].text.size();
    std::string target;
    while (i < t.size() && t[i].kind == TokKind::name && !is(t[i], "import")) {
        target.append(t[i].text);
        if (i + 1 < t.size() && is(t[i + 1], ".")) {
            target.push_back('.');
            i += 2;
        } else {
            ++i;
        }
    }
    if (i >= t.size() || !is(t[i], "import") || (target.empty() && level == 0)) return {};
    if (level > 0) {
        if (!module || module->package.empty()) return {};
        std::string_view base = module->package;
        for (std::size_t up = 1; up < level; ++up) {
            const auto dot = base.rfind('.');
            if (dot == std::string_view::npos) return {};
            base = base.substr(0, dot);
        }
        target = target.empty() ? std::string(base) : std::string(base) + "." + target;
    }
    ++i;
    if (i < t.size() && is(t[i], "(")) ++i;
    while (i < t.size() && t[i].kind == TokKind::name) {
        FromImported f{t[i].text, t[i].text};
        std::size_t next = i + 1;
        if (next + 1 < t.size() && is(t[next], "as") && t[next + 1].kind == TokKind::name) {
            f.bound = t[next + 1].text;
            next += 2;
        }
        if (!is_keyword(f.bound)) out.push_back(f);
        if (next < t.size() && is(t[next], ",")) ++next;
        i = next;
    }
    return target;
}

// The names a top-level `import M as X, ...` or `from M import A [as X], ...` binds
// to something ALIASABLE holds, with what each stands for.
void alias_bindings(const Line& l, std::vector<std::pair<std::string_view, AliasTarget>>& out) {
    const Toks t = l.toks;
    if (l.indent != 0 || t.size() < 4) return;
    if (is(t[0], "from")) {
        std::vector<FromImported> names;
        const std::string from = from_imports(l, nullptr, names);
        for (const FromImported& f : names)
            if (const AliasTarget* target = aliasable(from, f.name)) out.emplace_back(f.bound, *target);
        return;
    }
    if (!is(t[0], "import")) return;
    std::size_t i = 1;
    while (i < t.size() && t[i].kind == TokKind::name) {
        const std::string_view name = t[i].text;
        std::string_view bound = name;
        std::size_t next = i + 1;
        if (next + 1 < t.size() && is(t[next], "as") && t[next + 1].kind == TokKind::name) {
            bound = t[next + 1].text;
            next += 2;
        }
        const bool plain = next == t.size() || is(t[next], ",");
        const AliasTarget* target = plain && bound != name ? aliasable(name, "") : nullptr;
        if (target && !is_keyword(bound)) out.emplace_back(bound, *target);
        if (next < t.size() && is(t[next], ",")) ++next;
        i = next;
    }
}

// The modules a top-level `import A.B [as X], ...` or `from P import M [as X], ...`
// binds names to: X (or A) to A.B (or A), and X (or M) to P.M, which is a module
// where the import names a submodule (future's `from future import utils`).
void module_bindings(const Line& l, const ModuleFacts* module, std::vector<std::pair<std::string_view, std::string>>& out) {
    const Toks t = l.toks;
    if (l.indent != 0 || t.size() < 2) return;
    if (is(t[0], "from")) {
        std::vector<FromImported> names;
        const std::string from = from_imports(l, module, names);
        if (from.empty()) return;
        for (const FromImported& f : names) out.emplace_back(f.bound, from + "." + std::string(f.name));
        return;
    }
    if (!is(t[0], "import")) return;
    std::size_t i = 1;
    while (i < t.size() && t[i].kind == TokKind::name) {
        std::string dotted(t[i].text);
        const std::string_view first = t[i].text;
        std::size_t next = i + 1;
        while (next + 1 < t.size() && is(t[next], ".") && t[next + 1].kind == TokKind::name) {
            dotted.append(".").append(t[next + 1].text);
            next += 2;
        }
        if (next + 1 < t.size() && is(t[next], "as") && t[next + 1].kind == TokKind::name) {
            if (!is_keyword(t[next + 1].text)) out.emplace_back(t[next + 1].text, std::move(dotted));
            next += 2;
        } else if (!is_keyword(first)) {
            out.emplace_back(first, std::string(first)); // `import a.b` binds a, the top-level package
        }
        if (next < t.size() && !is(t[next], ",")) return;
        i = next + 1;
    }
}

// `globals()[...] = ...`, `globals().update(...)`, `vars()[...] = ...` and the same
// through locals() (at module level, the module's namespace): a statement that binds
// names no token spells.
bool binds_through_namespace(Toks t) {
    for (std::size_t i = 0; i + 3 < t.size(); ++i) {
        if (!(is(t[i], "globals") || is(t[i], "vars") || is(t[i], "locals")) || !is(t[i + 1], "(") || !is(t[i + 2], ")") ||
            (i > 0 && is(t[i - 1], ".")))
            continue;
        if (is(t[i + 3], ".") && i + 4 < t.size() && (is(t[i + 4], "update") || is(t[i + 4], "setdefault"))) return true;
        if (!is(t[i + 3], "[")) continue;
        for (std::size_t j = i + 4; j < t.size(); ++j) // `]` back at the subscript's depth, then `=`
            if (t[j].depth == t[i + 3].depth && is(t[j], "]"))
                return j + 1 < t.size() && is(t[j + 1], "=") && !(j + 2 < t.size() && is(t[j + 2], "="));
    }
    return false;
}

} // namespace

ConstNames::ConstNames(const std::vector<Line>& lines, const ModuleFacts* module) {
    // What each top-level from-import of a name brings, where the module it names says.
    std::vector<std::pair<std::size_t, std::vector<std::pair<std::string_view, ExportedName>>>> imported;
    if (module && module->exports && *module->exports) {
        std::vector<FromImported> names;
        for (std::size_t n = 0; n < lines.size(); ++n) {
            names.clear();
            const std::string from = from_imports(lines[n], module, names);
            if (from.empty() || names.empty()) continue;
            std::vector<std::pair<std::string_view, ExportedName>> known;
            for (const FromImported& f : names)
                if (const auto e = (*module->exports)(from, f.name)) known.emplace_back(f.bound, *e);
            if (!known.empty()) imported.emplace_back(n, std::move(known));
        }
    }
    {
        // Aliases first: the constants below may be tests through them.
        std::unordered_map<std::string_view, std::size_t> all_bound;
        std::vector<std::pair<std::string_view, AliasTarget>> found;
        for (std::size_t n = 0; n < lines.size(); ++n) {
            collect_bindings(lines[n].toks, all_bound);
            const std::size_t before = found.size();
            alias_bindings(lines[n], found);
            for (std::size_t k = before; k < found.size(); ++k)
                aliases_.emplace(found[k].first, Alias{found[k].second.module, found[k].second.attribute, n});
            const Toks t = lines[n].toks;
            if (lines[n].indent == 0 && t.size() >= 5 && t[0].kind == TokKind::name && is(t[1], "=") &&
                !is_keyword(t[0].text))
                if (const auto slice = version_tuple(t.subspan(2))) versions_.emplace(t[0].text, Version{*slice, n});
        }
        for (const auto& [n, known] : imported)
            for (const auto& [bound, e] : known)
                if (e.kind == ExportedName::Kind::version_info) versions_.emplace(bound, Version{e.slice, n});
        std::erase_if(aliases_, [&](const auto& a) { return all_bound[a.first] != 1; });
        std::erase_if(versions_, [&](const auto& v) { return all_bound[v.first] != 1 || aliases_.count(v.first); });
        if (module && module->exports && *module->exports) attribute_truths(lines, *module, all_bound);
    }
    std::unordered_map<std::string_view, std::size_t> bound; // bindings per name
    std::vector<std::pair<std::string_view, Const>> found;
    for (const auto& [n, known] : imported)
        for (const auto& [name, e] : known)
            if (e.kind == ExportedName::Kind::truth) found.push_back({name, Const{e.value, n}});
    int dead_above = -1; // the indent of an `if` known false: its block binds nothing
    for (std::size_t n = 0; n < lines.size(); ++n) {
        if (dead_above >= 0 && lines[n].indent > dead_above) continue;
        dead_above = -1;
        if (const Toks t = lines[n].toks; t.size() > 2 && is(t[0], "if") && is(t.back(), ":")) {
            const Toks cond = t.subspan(1, t.size() - 2);
            auto v = constant_truth(cond);
            if (!v) v = run_truth(cond, this, n); // consts_ is still empty: aliases only
            if (v && !*v) dead_above = lines[n].indent;
        }
        if (const auto probe = windows_probe(lines, n)) {
            // Both branches bind the name: one binding, to what the failed import gives.
            found.push_back({probe->first, Const{probe->second, n + 5}});
            ++bound[probe->first];
            n += 5;
            continue;
        }
        const Toks t = lines[n].toks;
        if (t.size() >= 3 && lines[n].indent == 0 && t[0].kind == TokKind::name && is(t[1], "=") &&
            !is(t[2], "=")) {
            // A constant, or a test known on the master (`PY3 = sys.version_info[0] == 3`,
            // `_mswindows = (sys.platform == "win32")`).
            auto v = constant_truth(t.subspan(2));
            if (!v) v = run_truth(t.subspan(2), this, n); // consts_ is still empty: aliases only
            if (v && !is_keyword(t[0].text)) {
                found.push_back({t[0].text, Const{*v, n}});
                ++bound[t[0].text];
                collect_bindings(t.subspan(2), bound);
                continue;
            }
        }
        collect_bindings(t, bound);
    }
    // A name bound more than once (or otherwise than by its constant) is unknown.
    for (const auto& [name, c] : found)
        if (bound[name] == 1) consts_.emplace(name, c);
    // Names bound through the module's namespace at its top level (kombu's STATICA_HACK,
    // set True, then False by `globals()['kcah_acitats'[::-1].upper()] = False`) may be
    // any: none is taken as known.
    if (std::any_of(lines.begin(), lines.end(), [](const Line& l) { return l.indent == 0 && binds_through_namespace(l.toks); })) {
        consts_.clear();
        aliases_.clear();
        versions_.clear();
        attributes_.clear();
    }
}

// The tests on `MODULE_NAME.ATTRIBUTE` the module's branches and top-level
// assignments make, where MODULE_NAME is bound once, by a top-level import, and the
// module it names binds ATTRIBUTE once to a known truth. Only those lines are read:
// every other `np.array` would have the planner read numpy for nothing.
void ConstNames::attribute_truths(const std::vector<Line>& lines, const ModuleFacts& module,
                                  const std::unordered_map<std::string_view, std::size_t>& all_bound) {
    struct Bound {
        std::string module;
        std::size_t line;
    };
    std::unordered_map<std::string_view, Bound> modules;
    std::vector<std::pair<std::string_view, std::string>> found;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        found.clear();
        module_bindings(lines[n], &module, found);
        for (auto& [name, target] : found) modules.emplace(name, Bound{std::move(target), n});
    }
    std::erase_if(modules, [&](const auto& m) {
        const auto b = all_bound.find(m.first);
        return b == all_bound.end() || b->second != 1;
    });
    if (modules.empty()) return;
    std::unordered_set<std::string> unknown;
    for (const Line& l : lines) {
        const Toks t = l.toks;
        const bool test = !t.empty() && (is(t[0], "if") || is(t[0], "elif"));
        const bool assignment = l.indent == 0 && t.size() >= 3 && t[0].kind == TokKind::name && is(t[1], "=");
        if (!test && !assignment) continue;
        for (std::size_t i = 0; i + 2 < t.size(); ++i) {
            if (t[i].kind != TokKind::name || (i > 0 && is(t[i - 1], ".")) || !is(t[i + 1], ".") ||
                t[i + 2].kind != TokKind::name)
                continue;
            const auto it = modules.find(t[i].text);
            if (it == modules.end()) continue;
            std::string key = std::string(t[i].text) + "." + std::string(t[i + 2].text);
            if (attributes_.count(key) || unknown.count(key)) continue;
            const auto e = (*module.exports)(it->second.module, t[i + 2].text);
            if (e && e->kind == ExportedName::Kind::truth) attributes_.emplace(std::move(key), Const{e->value, it->second.line});
            else unknown.insert(std::move(key));
        }
    }
}

bool ConstNames::expand_aliases(Toks c, std::size_t line, std::vector<Tok>& out) const {
    // The entry of `names` for the name at c[i], if it is bound before `line` (not an attribute).
    const auto bound_at = [&](const auto& names, std::size_t i) -> const typename std::decay_t<decltype(names)>::mapped_type* {
        if (c[i].kind != TokKind::name || (i > 0 && is(c[i - 1], "."))) return nullptr;
        const auto it = names.find(c[i].text);
        return it == names.end() || it->second.line >= line ? nullptr : &it->second;
    };
    const auto alias_at = [&](std::size_t i) { return bound_at(aliases_, i); };
    const auto version_at = [&](std::size_t i) { return bound_at(versions_, i); };
    std::size_t i = 0;
    while (i < c.size() && !alias_at(i) && !version_at(i)) ++i;
    if (i == c.size()) return false;
    out.assign(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(i));
    static constexpr std::string_view SLICES[] = {"", "1", "2", "3"};
    for (; i < c.size(); ++i) {
        if (const Version* v = version_at(i)) {
            const int d = c[i].depth;
            out.insert(out.end(), {Tok{TokKind::name, "sys", d}, Tok{TokKind::op, ".", d}, Tok{TokKind::name, "version_info", d}});
            if (v->slice)
                out.insert(out.end(), {Tok{TokKind::op, "[", d}, Tok{TokKind::op, ":", d + 1},
                                       Tok{TokKind::number, SLICES[v->slice], d + 1}, Tok{TokKind::op, "]", d + 1}});
            continue;
        }
        const Alias* a = alias_at(i);
        if (!a) {
            out.push_back(c[i]);
            continue;
        }
        out.push_back(Tok{TokKind::name, a->module, c[i].depth});
        if (a->attribute.empty()) continue;
        out.push_back(Tok{TokKind::op, ".", c[i].depth});
        out.push_back(Tok{TokKind::name, a->attribute, c[i].depth});
    }
    return true;
}

std::optional<ExportedName> ConstNames::exported(std::string_view name) const {
    if (const auto it = consts_.find(name); it != consts_.end())
        return ExportedName{ExportedName::Kind::truth, it->second.value, 0};
    if (const auto it = versions_.find(name); it != versions_.end())
        return ExportedName{ExportedName::Kind::version_info, false, it->second.slice};
    return std::nullopt;
}

std::optional<bool> ConstNames::truth(Toks c, std::size_t line) const {
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    if (i + 3 == c.size() && c[i].kind == TokKind::name && is(c[i + 1], ".") && c[i + 2].kind == TokKind::name) {
        const auto it = attributes_.find(std::string(c[i].text) + "." + std::string(c[i + 2].text));
        if (it == attributes_.end() || it->second.line >= line) return std::nullopt;
        return negate ? !it->second.value : it->second.value;
    }
    if (i + 1 != c.size() || c[i].kind != TokKind::name) return std::nullopt;
    const auto it = consts_.find(c[i].text);
    if (it == consts_.end() || it->second.line >= line) return std::nullopt; // unknown, or not set yet
    return negate ? !it->second.value : it->second.value;
}

namespace {

// `__package__` (empty for a top-level module) and `"." in __name__`, each maybe
// negated by `not`: a package or a submodule has a dotted __package__ or name.
std::optional<bool> module_truth(Toks c, const ModuleFacts* module) {
    if (!module) return std::nullopt;
    bool negate = false;
    std::size_t i = 0;
    while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
    c = c.subspan(i);
    std::optional<bool> v;
    if (c.size() == 1 && is(c[0], "__package__")) v = !module->package.empty();
    else if (c.size() == 3 && c[0].kind == TokKind::string && (c[0].text == "\".\"" || c[0].text == "'.'") &&
             is(c[1], "in") && is(c[2], "__name__"))
        v = module->name.find('.') != std::string_view::npos;
    if (v && negate) *v = !*v;
    return v;
}

std::optional<bool> leaf_truth(Toks cond, const ConstNames* consts, std::size_t line, const ModuleFacts* module) {
    std::vector<Tok> spelled;
    if (consts && consts->expand_aliases(cond, line, spelled)) cond = spelled;
    if (is_type_checking(cond)) return false;
    if (auto v = module_truth(cond, module)) return v;
    if (auto v = version_truth(cond)) return v;
    if (auto v = main_guard_truth(cond)) return v;
    if (auto v = master_fact_truth(cond)) return v;
    if (auto v = platform_truth(cond)) return v;
    if (auto v = environment_truth(cond)) return v;
    if (auto v = str_bytes_truth(cond)) return v;
    return consts ? consts->truth(cond, line) : std::nullopt;
}

// The operands of `word` (`or`, `and`) at the condition's own bracket depth; one
// operand when it does not occur there.
std::vector<Toks> split_at(Toks c, std::string_view word) {
    std::vector<Toks> out;
    const int depth = c.empty() ? 0 : c[0].depth;
    std::size_t start = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i].depth == depth && c[i].kind == TokKind::name && c[i].text == word) {
            out.push_back(c.subspan(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(c.subspan(start));
    return out;
}

// A whole condition in one pair of parentheses.
bool parenthesized(Toks c) {
    if (c.size() < 3 || !is(c[0], "(") || !is(c.back(), ")")) return false;
    for (std::size_t i = 1; i + 1 < c.size(); ++i)
        if (c[i].depth <= c[0].depth) return false;
    return true;
}

// Python's `or`/`and`/`not` over the leaf tests, where the known operands decide:
// `A or B` is true once one operand is known true, `A and B` false once one is known false.
std::optional<bool> bool_truth(Toks cond, const ConstNames* consts, std::size_t line, const ModuleFacts* module,
                               int budget) {
    if (cond.empty() || budget <= 0) return std::nullopt;
    if (const auto ors = split_at(cond, "or"); ors.size() > 1) {
        bool all_false = true;
        for (const Toks& o : ors) {
            const auto v = bool_truth(o, consts, line, module, budget - 1);
            if (v && *v) return true;
            all_false = all_false && v.has_value();
        }
        return all_false ? std::optional<bool>(false) : std::nullopt;
    }
    if (const auto ands = split_at(cond, "and"); ands.size() > 1) {
        bool all_true = true;
        for (const Toks& a : ands) {
            const auto v = bool_truth(a, consts, line, module, budget - 1);
            if (v && !*v) return false;
            all_true = all_true && v.has_value();
        }
        return all_true ? std::optional<bool>(true) : std::nullopt;
    }
    {
        // `bool(X)` is as true as X (aio-libs: `NO_EXTENSIONS = bool(os.environ.get(...))`).
        std::size_t nots = 0;
        while (nots < cond.size() && is(cond[nots], "not")) ++nots;
        if (cond.size() > nots + 3 && is(cond[nots], "bool") && parenthesized(cond.subspan(nots + 1))) {
            const auto v = bool_truth(cond.subspan(nots + 2, cond.size() - nots - 3), consts, line, module, budget - 1);
            return v ? std::optional<bool>(nots % 2 ? !*v : *v) : std::nullopt;
        }
    }
    if (is(cond[0], "not") && cond.size() > 1 && parenthesized(cond.subspan(1))) {
        const auto v = bool_truth(cond.subspan(1), consts, line, module, budget - 1);
        return v ? std::optional<bool>(!*v) : std::nullopt;
    }
    if (parenthesized(cond)) return bool_truth(cond.subspan(1, cond.size() - 2), consts, line, module, budget - 1);
    return leaf_truth(cond, consts, line, module);
}

// Nesting of and/or/not/parentheses followed; deeper conditions are taken as unknown.
constexpr int MAX_CONDITION_NESTING = 32;

} // namespace

std::optional<bool> run_truth(Toks cond, const ConstNames* consts, std::size_t line, const ModuleFacts* module) {
    return bool_truth(cond, consts, line, module, MAX_CONDITION_NESTING);
}

} // namespace mitokit::modules::detail
