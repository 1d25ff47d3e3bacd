#include "scanner.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "code_names.hpp"
#include "logical_lines.hpp"
#include "run_conditions.hpp"

namespace mitokit::modules {
namespace {

using detail::CodeNames;
using detail::ConstNames;
using detail::is;
using detail::Line;
using detail::Tok;
using detail::TokKind;
using detail::Toks;

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

// Import statements. With `names`, each also enters what the statement puts in the
// module code's names table, in the compiler's order, and records in `at` the index
// of each reported import's module string (its IMPORT_NAME argument): `import
// a.b.c as d` enters "a.b.c", then b, c and d (IMPORT_FROM and the store); `import
// a.b` enters "a.b" and a; `from .m import x as y` enters "m", x and y.
struct Names {
    CodeNames* table = nullptr;
    std::vector<std::size_t>* at = nullptr;
    void module(std::string_view m) const {
        if (table) at->push_back(table->add(m));
    }
    void name(std::string_view n) const {
        if (table) table->add(n);
    }
};

void parse_import(Toks t, std::vector<ImportRef>& out, const Names& names) {
    std::size_t i = 1;
    while (i < t.size()) {
        const std::size_t first = i;
        ImportRef r;
        parse_dotted(t, i, r.module);
        if (r.module.empty()) return;
        names.module(r.module);
        if (i + 1 < t.size() && is(t[i], "as")) {
            for (std::size_t k = first + 2; k < i; k += 2) names.name(t[k].text);
            names.name(t[i + 1].text);
            r.binds.emplace_back(t[i + 1].text);
            i += 2;
        } else {
            names.name(t[first].text);
            r.binds.emplace_back(t[first].text);
        }
        out.push_back(std::move(r));
        if (i < t.size() && is(t[i], ",")) { ++i; continue; }
        return;
    }
}

void parse_from(Toks t, std::vector<ImportRef>& out, const Names& names) {
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
        r.binds.emplace_back(t[i].text);
        ++i;
        if (i < t.size() && is(t[i], "as")) {
            if (i + 1 < t.size()) r.binds.back() = t[i + 1].text;
            i += 2;
        }
        if (i < t.size() && is(t[i], ",")) { ++i; continue; }
        break;
    }
    if (r.fromlist.empty()) return;
    if (names.table) {
        names.module(r.module);
        // Each imported name, then the name it is stored as.
        for (std::size_t k = 1; k < t.size(); ++k) {
            const Tok& prev = t[k - 1];
            const bool listed = is(prev, "import") || is(prev, "(") || is(prev, ",") || is(prev, "as");
            if (listed && t[k].kind == TokKind::name && !is(t[k], "import")) names.name(t[k].text);
        }
        if (r.module == "__future__" &&
            std::find(r.fromlist.begin(), r.fromlist.end(), "annotations") != r.fromlist.end())
            names.table->future_annotations();
    }
    out.push_back(std::move(r));
}

// A module's first statement is its docstring when it is a string literal (no f or
// b prefix), alone or implicitly concatenated.
bool is_docstring(Toks t) {
    std::size_t i = 0;
    for (; i < t.size() && !is(t[i], ";"); ++i) {
        if (t[i].kind != TokKind::string) return false;
        for (char c : t[i].text) {
            if (c == '\'' || c == '"') break;
            if (c == 'f' || c == 'F' || c == 'b' || c == 'B') return false;
        }
    }
    return i > 0;
}

bool is_compound_keyword(std::string_view w) {
    return w == "if" || w == "elif" || w == "else" || w == "try" || w == "except" || w == "finally" ||
           w == "with" || w == "for" || w == "while" || w == "match" || w == "case";
}

class Scanner {
public:
    Scanner(bool executed_only, bool reference_limits, const ModuleFacts* module)
        : executed_only_(executed_only), reference_limits_(reference_limits), module_(module) {}

    Result<std::vector<ImportRef>> run(std::string_view source) {
        auto checked = detail::checked_logical_lines(source);
        if (!checked) return std::move(checked.error());
        const std::vector<Line> lines = std::move(*checked);
        // Names set once to a constant: only the executed scan evaluates conditions.
        const std::optional<ConstNames> consts =
            executed_only_ ? std::optional<ConstNames>(std::in_place, lines, module_) : std::nullopt;
        consts_ = consts ? &*consts : nullptr;
        lines_ = &lines;
        for (const Line& line : lines) {
            ++line_no_;
            if (executed_only_) process(line);
            else take_line(line, 0);
        }
        if (!executed_only_) end_scan_tries(nullptr);
        while (!handlers_.empty()) end_handler();
        if (executed_only_) {
            for (std::size_t k = 0; k < out_.size(); ++k) {
                const auto& enclosing = enclosing_[k];
                // A re-raising try fails the module only where the import surely runs: not
                // in a branch on an unknown condition (sqlalchemy.testing.mock's Python 2
                // `else:` re-raises a missing `mock`, under `if py3k:`).
                out_[k].reraised = !enclosing.empty() && certain_[k] &&
                                   std::none_of(enclosing.begin(), enclosing.end(), [&](std::size_t id) { return tries_[id].swallows; });
                out_[k].unguarded = enclosing.empty() && certain_[k];
                for (auto& t : out_[k].tries) t.swallows = tries_[t.id].swallows;
            }
        }
        return std::move(out_);
    }

private:
    void process(const Line& line) {
        while (!handlers_.empty() && line.indent <= handlers_.back().header_indent) end_handler();
        for (Handler& h : handlers_) handler_line(h, line);
        if (skip_above_ >= 0) {
            if (line.indent > skip_above_) return;
            skip_above_ = -1;
        }
        if (dead_above_ >= 0 && line.indent <= dead_above_) dead_above_ = -1;
        if (!executed_only_ && line_no_ == 1 && is_docstring(line.toks)) names_.docstring();
        if (!executed_only_ && !line.toks.empty() && is(line.toks[0], "try")) scan_tries_.push_back(ScanTry{line.indent, false, false, {}, {}});
        if (true_if_indent_ >= 0 && line.indent < true_if_indent_) true_if_indent_ = -1;
        while (!classes_.empty() && classes_.back() >= line.indent) classes_.pop_back();
        while (!blocks_.empty() && blocks_.back().indent >= line.indent) {
            uncertain_blocks_ -= blocks_.back().certain ? 0 : 1;
            blocks_.pop_back();
        }
        while (!chains_.empty() && chains_.back().indent > line.indent) chains_.pop_back();
        close_tries(line);
        statements(line.toks, line.indent);
    }

    // scan_imports reads the module in bytecode order. A try statement's except
    // clauses come after its else clause: their lines wait until the else clause has
    // been read, then are read (with their names and imports) in turn. Its finally
    // clause is compiled twice (the normal and the exceptional exit): its lines are
    // read again once the statement ends.
    struct ScanTry {
        int indent;
        bool in_handlers = false;
        bool in_finally = false;
        std::vector<const Line*> deferred; // the except clauses' lines
        std::vector<const Line*> finally;  // the finally clause's lines, header included
    };

    // A line read for the first time (or again, by replay): deferred, or processed;
    // noted for the finally clauses of the open try statements from `first_try` on.
    void take_line(const Line& line, std::size_t first_try) {
        end_scan_tries(&line);
        for (std::size_t k = first_try; k < scan_tries_.size(); ++k) {
            ScanTry& t = scan_tries_[k];
            if (t.in_finally && line.indent >= t.indent) t.finally.push_back(&line);
        }
        if (!scan_tries_.empty() && scan_tries_.back().in_handlers) {
            scan_tries_.back().deferred.push_back(&line);
            return;
        }
        process(line);
    }

    // Ends the try statements `line` ends (all of them at the module's end, null),
    // and notes which clause of the innermost one it begins.
    void end_scan_tries(const Line* line) {
        while (!scan_tries_.empty()) {
            const std::size_t at = scan_tries_.size() - 1;
            if (line && line->indent > scan_tries_[at].indent) return;
            const std::string_view w =
                line && !line->toks.empty() && line->toks[0].kind == TokKind::name ? line->toks[0].text : "";
            if (line && line->indent == scan_tries_[at].indent && (w == "except" || w == "else" || w == "finally")) {
                scan_tries_[at].in_handlers = w == "except";
                if (w == "finally") {
                    // The except clauses come before it, read with the statement off the
                    // stack (their headers are not clauses of an open try any more).
                    ScanTry t = std::move(scan_tries_[at]);
                    scan_tries_.pop_back();
                    replay(std::move(t.deferred));
                    t.deferred.clear();
                    t.in_finally = true;
                    scan_tries_.push_back(std::move(t));
                }
                return;
            }
            end_innermost_try();
        }
    }

    // The innermost try statement has ended: its except clauses (unless its finally
    // clause read them already), then its finally clause's second copy.
    void end_innermost_try() {
        ScanTry t = std::move(scan_tries_.back());
        scan_tries_.pop_back();
        replay(std::move(t.deferred));
        replay(std::move(t.finally));
    }

    void replay(std::vector<const Line*> lines) {
        const std::size_t open = scan_tries_.size();
        for (const Line* l : lines) take_line(*l, open);
        // Try statements begun in the replayed lines end with them.
        while (scan_tries_.size() > open) end_innermost_try();
    }

    // A module-level try statement: its header's indent, whether its body is still
    // being read, and whether one of its except clauses swallows the exception
    // (does not end in `raise` at the handler's own level).
    struct Try {
        int indent;
        bool in_body = true;
        bool swallows = false;
        ImportRef::Part part = ImportRef::Part::body;
        bool finally = false;      // in its finally clause, which always runs
        bool has_handler = false;  // an except clause catching ImportError came already
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
                const auto w = line.toks[0].text;
                t.finally = w == "finally";
                if (w == "else") t.part = ImportRef::Part::orelse;
                break;
            }
            open_.pop_back();
        }
    }

    // An except clause whose body is on the following lines: whether it ends in
    // `raise` at its own level. Handlers nest (a try inside an except clause).
    struct Handler {
        std::size_t try_id;
        int header_indent;
        int indent = -1; // of its body, from its first line
        bool raises = false;
    };

    // A line of an except clause's body (scanned or skipped).
    static void handler_line(Handler& h, const Line& line) {
        if (h.indent < 0) h.indent = line.indent;
        if (line.indent == h.indent && !line.toks.empty() && is(line.toks[0], "raise")) h.raises = true;
    }

    void end_handler() {
        if (!handlers_.back().raises) tries_[handlers_.back().try_id].swallows = true;
        handlers_.pop_back();
    }

    // `except:`, or a clause naming ImportError or one of its bases among its types.
    static bool catches_import_error(Toks t, std::size_t colon) {
        if (colon == 1) return true;
        for (std::size_t i = 1; i < colon; ++i) {
            if (is(t[i], "as")) break;
            const std::string_view n = t[i].text;
            if (t[i].kind == TokKind::name &&
                (n == "ImportError" || n == "ModuleNotFoundError" || n == "Exception" || n == "BaseException"))
                return true;
        }
        return false;
    }

    // The last compound statement at an indent, for the `elif`/`else` clauses that
    // continue it: whether it is an if chain whose branches so far are all known not
    // to run (so an `else` surely does), a try, or a loop.
    enum class Kind : std::uint8_t { if_chain, try_stmt, loop, other };
    struct Chain {
        int indent;
        Kind kind;
        bool all_false = false;
        std::vector<ImportRef::InTry> orelse_tries{}; // an `if NAME:`'s else clause runs where these hold
    };
    // A compound statement's body on the following lines, and whether it surely runs
    // when the statement does.
    struct Block {
        int indent;
        bool certain;
        std::vector<ImportRef::InTry> when{}; // runs only where these hold (an `if NAME:` body)
    };

    Chain* chain_at(int indent) {
        return !chains_.empty() && chains_.back().indent == indent ? &chains_.back() : nullptr;
    }
    void set_chain(int indent, Kind kind, bool all_false = false) {
        if (Chain* c = chain_at(indent)) *c = Chain{indent, kind, all_false};
        else chains_.push_back(Chain{indent, kind, all_false});
    }
    // Whether a compound statement's body runs whenever the statement does (and
    // records the statement for the clauses that may continue it).
    bool body_certain(std::string_view w, int indent, std::optional<bool> v) {
        const Chain* c = chain_at(indent);
        if (w == "if") {
            set_chain(indent, Kind::if_chain, v && !*v);
            return v && *v;
        }
        if (w == "elif") {
            const bool prior_false = c && c->kind == Kind::if_chain && c->all_false;
            set_chain(indent, Kind::if_chain, prior_false && v && !*v);
            return prior_false && v && *v;
        }
        if (w == "else") {
            if (!c) return false;
            return c->kind == Kind::try_stmt || (c->kind == Kind::if_chain && c->all_false);
        }
        if (w == "try") {
            set_chain(indent, Kind::try_stmt);
            return true;
        }
        if (w == "finally" || w == "except") return true;
        if (w == "for" || w == "while") {
            set_chain(indent, Kind::loop);
            return false;
        }
        // A with statement's context manager may swallow what its body raises
        // (`with suppress(ImportError):`, jsonschema's optional formats).
        set_chain(indent, Kind::other);
        return false;
    }

    // A body that is not module-level code: the rest of this line, or the
    // following lines indented deeper than `indent`.
    void skip_body(Toks t, std::size_t colon, int indent) {
        if (colon + 1 >= t.size()) skip_above_ = indent;
    }

    void statements(Toks t, int indent) {
        if (t.empty()) return;
        const Tok& first = t[0];
        if (is(first, "@")) {
            if (!executed_only_) names_.statement(t.subspan(1));
            return;
        }
        if (is(first, "class") && executed_only_) {
            // A class body runs while the module loads, though in a code object of its
            // own that mitogen's scan does not read (pathlib's `import ntpath`).
            if (auto c = header_colon(t, 1)) {
                if (classes_.empty() && !inline_class_) detail::collect_bindings(t.first(*c), bound_);
                if (*c + 1 < t.size()) {
                    const bool outer = inline_class_;
                    inline_class_ = true;
                    statements(t.subspan(*c + 1), indent + 1);
                    inline_class_ = outer;
                } else {
                    classes_.push_back(indent);
                }
            }
            return;
        }
        if (is(first, "def") || is(first, "class") ||
            (is(first, "async") && t.size() > 1 && is(t[1], "def"))) {
            if (auto c = header_colon(t, 1)) {
                if (!executed_only_) {
                    if (is(first, "class")) names_.class_header(t.first(*c));
                    else names_.def_header(t.first(*c));
                } else if (classes_.empty() && !inline_class_) {
                    detail::collect_bindings(t.first(*c), bound_); // the function's or class's name
                    if (is(first, "def") && indent == 0 && *c + 1 == t.size() && t.size() > 1 && !replaying_)
                        functions_[t[1].text] = line_no_; // its body: the lines after this one
                }
                skip_body(t, *c, indent);
            }
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
                if (!executed_only_) names_.statement(t.subspan(kw + 1, *c - kw - 1));
                else if (classes_.empty() && !inline_class_) detail::collect_bindings(t.first(*c), bound_);
                bool dead = false;
                std::optional<bool> v;
                if ((w == "elif" || w == "else") && true_if_indent_ == indent) dead = true;
                else if (w == "if" || w == "elif" || w == "while") {
                    const auto cond = t.subspan(kw + 1, *c - kw - 1);
                    v = detail::constant_truth(cond);
                    if (!v && executed_only_ && w != "while") v = detail::run_truth(cond, consts_, line_no_ - 1, module_);
                    if (v && !*v) dead = true;
                    if (w != "while") {
                        if (v && *v) true_if_indent_ = indent;
                        else if (w == "if") true_if_indent_ = -1;
                    }
                } else if (w != "else") {
                    if (true_if_indent_ == indent) true_if_indent_ = -1;
                    if (w == "except" && executed_only_) dead = !except_clause(t, *c, indent);
                    if (w == "try" && executed_only_) {
                        tries_.push_back(Try{indent});
                        open_.push_back(tries_.size() - 1);
                    }
                }
                // In a function body read for its call: a branch or loop on what the
                // scanner cannot decide is taken as not run (its tests are mostly of
                // arguments and locals: libcloud's `if path:` on os.getenv's value).
                if (replaying_ && !dead && (w == "if" || w == "elif" || w == "while" || w == "for") && !(v && *v))
                    dead = true;
                const bool certain = body_certain(w, indent, v);
                std::vector<ImportRef::InTry> when; // the body runs where these hold
                if (executed_only_ && !v && w == "if") {
                    if (auto b = name_test(t.subspan(kw + 1, *c - kw - 1))) {
                        when = std::move(b->first);
                        chain_at(indent)->orelse_tries = std::move(b->second);
                    }
                } else if (executed_only_ && w == "else") {
                    if (const Chain* ch = chain_at(indent); ch && ch->kind == Kind::if_chain) when = ch->orelse_tries;
                }
                if (dead && !executed_only_) {
                    // Not in the bytecode, but compiled: its names are in the table.
                    if (*c + 1 < t.size()) {
                        const bool outer = inline_dead_;
                        inline_dead_ = true;
                        statements(t.subspan(*c + 1), indent + 1);
                        inline_dead_ = outer;
                    } else if (dead_above_ < 0) {
                        dead_above_ = indent;
                    }
                    return;
                }
                if (dead) {
                    skip_body(t, *c, indent);
                    return;
                }
                if (*c + 1 < t.size()) {
                    const bool outer = inline_uncertain_;
                    const std::size_t outer_when = inline_when_.size();
                    inline_uncertain_ = outer || !certain;
                    inline_when_.insert(inline_when_.end(), when.begin(), when.end());
                    statements(t.subspan(*c + 1), indent + 1);
                    inline_uncertain_ = outer;
                    inline_when_.resize(outer_when);
                } else {
                    blocks_.push_back(Block{indent, certain, std::move(when)});
                    uncertain_blocks_ += certain ? 0 : 1;
                }
                return;
            }
        }
        if (true_if_indent_ == indent) true_if_indent_ = -1;
        set_chain(indent, Kind::other);
        if (executed_only_ && indent == 0 && !replaying_ && !functions_.empty() && classes_.empty() && !inline_class_ &&
            dead_above_ < 0 && !inline_dead_)
            replay_calls(t);
        simple(t);
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

    // A module-level statement that calls a function the module defined before it at
    // its top level (`NAME(...)`, not an attribute, not in a lambda): the function's
    // body runs then, and so do its imports (matplotlib's `_check_versions()` imports
    // ft2font, openpyxl's `LXML = lxml_available() and ...` lxml.etree). Its lines are
    // read again as module-level code, each import taken as one that may not run (a
    // return may skip it, so a failure is not sure to propagate), except in a branch
    // or loop on a condition the scanner cannot decide, taken as not run. Calls inside
    // it, and later calls of the same function, are not followed.
    void replay_calls(Toks t) {
        std::vector<int> lambdas; // depths of the lambdas whose bodies are open: they do not run now
        for (std::size_t i = 0; i + 1 < t.size(); ++i) {
            while (!lambdas.empty() && (t[i].depth < lambdas.back() || (t[i].depth == lambdas.back() && is(t[i], ","))))
                lambdas.pop_back();
            if (is(t[i], "lambda")) lambdas.push_back(t[i].depth);
            if (!lambdas.empty()) continue;
            if (t[i].kind != TokKind::name || !is(t[i + 1], "(") || (i > 0 && is(t[i - 1], "."))) continue;
            if (i > 0 && (is(t[i - 1], "def") || is(t[i - 1], "class"))) continue;
            const auto f = functions_.find(t[i].text);
            if (f == functions_.end() || f->second == DONE) continue;
            const std::vector<Line>& lines = *lines_;
            const std::size_t outer_line = line_no_;
            const bool outer_uncertain = inline_uncertain_;
            replaying_ = true;
            inline_uncertain_ = true;
            const std::size_t from = f->second;
            f->second = DONE; // a later call imports nothing new: each body is read once
            for (std::size_t k = from; k < lines.size() && lines[k].indent > 0; ++k) process(lines[k]);
            // What the body opened ends with it, as at a line back at the module's level.
            process(Line{0, {}});
            inline_uncertain_ = outer_uncertain;
            replaying_ = false;
            line_no_ = outer_line;
        }
    }

    // An except clause of the innermost open try at this indent: its body follows
    // on later lines (read by handler_line) or on this one. True for the first
    // clause that catches an ImportError, whose body is scanned (its imports run
    // where the try's guarded import fails); the others are skipped.
    bool except_clause(Toks t, std::size_t colon, int indent) {
        if (open_.empty() || tries_[open_.back()].indent != indent) return false;
        const std::size_t id = open_.back();
        Try& tr = tries_[id];
        const bool runs = !tr.has_handler && catches_import_error(t, colon);
        tr.has_handler = tr.has_handler || runs;
        tr.part = runs ? ImportRef::Part::handler : ImportRef::Part::body;
        if (colon + 1 < t.size()) {
            if (!is(t[colon + 1], "raise")) tr.swallows = true;
        } else {
            handlers_.push_back(Handler{id, indent});
        }
        return runs;
    }

    // Bindings of an executed-scan statement (not in a class body): what name_test
    // needs to know about each name.
    void note_bindings(Toks t) {
        if (t.size() == 3 && t[0].kind == TokKind::name && is(t[1], "=")) {
            if (is(t[2], "None") || is(t[2], "False")) ++none_bound_[t[0].text];
            // `HAS_SSLCONTEXT = True` after the imports of a try body: a flag for them.
            if (is(t[2], "True") && !open_.empty() && tries_[open_.back()].in_body)
                true_bound_[std::string(t[0].text)].push_back(static_cast<std::uint32_t>(open_.back()));
        }
        detail::collect_bindings(t, bound_);
    }
    // An import statement's bindings (its ImportRefs' binds): in a try body, each may
    // be a name_test's flag. collect_bindings counts them (and every other name on the
    // line) too, so an import outside a try body leaves the count unmatched: unknown.
    void note_import_bindings(std::span<const ImportRef> refs, Toks t) {
        if (!open_.empty() && tries_[open_.back()].in_body)
            for (const ImportRef& r : refs)
                for (const std::string& n : r.binds) true_bound_[n].push_back(static_cast<std::uint32_t>(open_.back()));
        detail::collect_bindings(t, bound_);
    }

    // `NAME` or `not NAME` where every binding of NAME so far is an import in a try
    // body, `NAME = True` in one, or `NAME = None`/`False`: the module (or flag) is
    // true exactly where that try body worked. Returns the try parts under which the
    // `if` body runs and under which its else clause does: where a single try binds
    // NAME, the body runs where that try's else clause would; the else clause runs
    // where every such try failed.
    std::optional<std::pair<std::vector<ImportRef::InTry>, std::vector<ImportRef::InTry>>> name_test(Toks c) const {
        bool negate = false;
        std::size_t i = 0;
        while (i < c.size() && is(c[i], "not")) { negate = !negate; ++i; }
        if (i + 1 != c.size() || c[i].kind != TokKind::name) return std::nullopt;
        const auto trues = true_bound_.find(std::string(c[i].text));
        if (trues == true_bound_.end()) return std::nullopt;
        const auto none = none_bound_.find(c[i].text);
        const std::size_t nones = none == none_bound_.end() ? 0 : none->second;
        const auto all = bound_.find(c[i].text);
        // collect_bindings counted every binding, these among them: any other one is unknown.
        if (nones == 0 || all == bound_.end() || all->second != trues->second.size() + nones) return std::nullopt;
        std::vector<ImportRef::InTry> truthy, falsy;
        if (trues->second.size() == 1) truthy.push_back({trues->second[0], ImportRef::Part::orelse});
        for (std::uint32_t id : trues->second) falsy.push_back({id, ImportRef::Part::handler});
        if (negate) std::swap(truthy, falsy);
        return std::pair{std::move(truthy), std::move(falsy)};
    }

    // `NAME = OTHER` and `sys.modules[__name__] = NAME` (or the module's own name, where
    // known) as ImportRefs of kinds assign and replace_self, and a statement that starts
    // with a call only the main thread may make (`signal.signal(...)`, maybe assigned)
    // as one of kind main_thread_call.
    void binding_event(Toks t) {
        static constexpr std::string_view MAIN_THREAD_ONLY[] = {"signal", "set_wakeup_fd"};
        const std::size_t call = t.size() > 2 && t[0].kind == TokKind::name && is(t[1], "=") ? 2 : 0;
        if (t.size() > call + 4 && is(t[call], "signal") && is(t[call + 1], ".") && is(t[call + 3], "(") &&
            std::find(std::begin(MAIN_THREAD_ONLY), std::end(MAIN_THREAD_ONLY), t[call + 2].text) != std::end(MAIN_THREAD_ONLY)) {
            ImportRef r;
            r.kind = ImportRef::Kind::main_thread_call;
            r.module = "signal." + std::string(t[call + 2].text);
            out_.push_back(std::move(r));
            return;
        }
        const auto plain = [](const Tok& k) {
            return k.kind == TokKind::name && k.text != "None" && k.text != "True" && k.text != "False";
        };
        if (t.size() == 3 && plain(t[0]) && is(t[1], "=") && plain(t[2])) {
            ImportRef r;
            r.kind = ImportRef::Kind::assign;
            r.module = std::string(t[2].text);
            r.binds.emplace_back(t[0].text);
            out_.push_back(std::move(r));
            return;
        }
        if (t.size() != 8 || !is(t[0], "sys") || !is(t[1], ".") || !is(t[2], "modules") || !is(t[3], "[") ||
            !is(t[5], "]") || !is(t[6], "=") || !plain(t[7]))
            return;
        const std::string_view key = t[4].text;
        const bool own = is(t[4], "__name__") ||
                         (module_ && t[4].kind == TokKind::string && key.size() == module_->name.size() + 2 &&
                          (key.front() == '\'' || key.front() == '"') && key.substr(1, key.size() - 2) == module_->name);
        if (!own) return;
        ImportRef r;
        r.kind = ImportRef::Kind::replace_self;
        r.module = std::string(t[7].text);
        out_.push_back(std::move(r));
    }

    void one(Toks t) {
        if (t.empty()) return;
        const std::size_t before = out_.size();
        const bool import = is(t[0], "import") || is(t[0], "from");
        std::vector<std::size_t> at; // scan_imports: each import's IMPORT_NAME argument
        const Names names = executed_only_ ? Names{} : Names{&names_, &at};
        if (is(t[0], "import")) parse_import(t, out_, names);
        else if (is(t[0], "from")) parse_from(t, out_, names);
        if (!executed_only_) {
            for (std::size_t k = before; k < out_.size(); ++k) out_[k].binds.clear();
            if (!import) {
                names_.statement(t);
                return;
            }
            // An IMPORT_NAME the reference's scan does not see: not compiled into the
            // bytecode (a dead branch), or its name past the table's first 256 entries.
            const bool dead = dead_above_ >= 0 || inline_dead_;
            const bool indexed = reference_limits_ && at.size() == out_.size() - before;
            std::size_t keep = before;
            for (std::size_t k = before; k < out_.size(); ++k) {
                if (dead || (indexed && at[k - before] > CodeNames::ONE_BYTE)) continue;
                if (keep != k) out_[keep] = std::move(out_[k]);
                ++keep;
            }
            out_.resize(keep);
            return;
        }
        std::vector<std::size_t> enclosing;
        for (std::size_t id : open_)
            if (tries_[id].in_body) enclosing.push_back(id);
        std::vector<ImportRef::InTry> in_tries;
        for (std::size_t id : open_)
            if (!tries_[id].finally) in_tries.push_back({static_cast<std::uint32_t>(id), tries_[id].part});
        for (const Block& b : blocks_) in_tries.insert(in_tries.end(), b.when.begin(), b.when.end());
        in_tries.insert(in_tries.end(), inline_when_.begin(), inline_when_.end());
        if (!classes_.empty() || inline_class_ || replaying_) { // class attributes, locals: no module names bound
            for (std::size_t k = before; k < out_.size(); ++k) out_[k].binds.clear();
        } else if (import) {
            note_import_bindings(std::span<const ImportRef>(out_).subspan(before), t);
        } else {
            note_bindings(t);
            binding_event(t);
        }
        for (std::size_t k = before; k < out_.size(); ++k) {
            out_[k].tries = in_tries;
            out_[k].in_class = !classes_.empty() || inline_class_;
            out_[k].in_function = replaying_;
            enclosing_.push_back(enclosing);
            certain_.push_back(uncertain_blocks_ == 0 && !inline_uncertain_);
        }
    }

    bool executed_only_;
    bool reference_limits_;              // scan_imports: model the reference's one-byte arguments
    const ModuleFacts* module_;          // scan_executed_imports: the module's name and package, if known
    CodeNames names_;                    // scan_imports: the module code's co_names so far
    int dead_above_ = -1;                // scan_imports: lines deeper than this are a dead branch's
    std::vector<ScanTry> scan_tries_;    // scan_imports: try statements not yet ended, outermost first
    bool inline_dead_ = false;           // scan_imports: in a dead branch's same-line body
    const ConstNames* consts_ = nullptr; // valid during run()
    std::size_t line_no_ = 0;            // logical lines begun so far
    std::vector<ImportRef> out_;
    std::vector<std::vector<std::size_t>> enclosing_; // per import: the try bodies it is in
    std::vector<bool> certain_;                       // per import: it runs whenever the module does
    std::vector<Chain> chains_;                       // by increasing indent
    std::vector<Block> blocks_;                       // open bodies, outermost first
    std::size_t uncertain_blocks_ = 0;                // of blocks_, those that may not run
    bool inline_uncertain_ = false;                   // in the same-line body of such a block
    std::vector<ImportRef::InTry> inline_when_;       // what the same-line bodies being read run under
    // Names bound by an import in a try body, or to True there, and to None or False
    // where it fails (`try: import distro as _d` / `except ImportError: _d = None`):
    // the try statements of those bindings, and how many times each name was bound.
    std::unordered_map<std::string, std::vector<std::uint32_t>> true_bound_;
    std::unordered_map<std::string_view, std::size_t> none_bound_;
    std::unordered_map<std::string_view, std::size_t> bound_;
    std::vector<int> classes_;                        // indents of the class statements whose bodies are open
    bool inline_class_ = false;                       // in a class statement's same-line body
    std::vector<Try> tries_;
    std::vector<std::size_t> open_; // try statements not yet ended, outermost first
    std::vector<Handler> handlers_; // except clauses being read, outermost first
    int skip_above_ = -1;
    int true_if_indent_ = -1;
    const std::vector<Line>* lines_ = nullptr;
    std::unordered_map<std::string_view, std::size_t> functions_; // top-level def -> index of its first body line
    static constexpr std::size_t DONE = static_cast<std::size_t>(-1); // its body was read for a call
    bool replaying_ = false;
};

} // namespace

Result<std::vector<ImportRef>> checked_scan_imports(std::string_view source, bool reference_limits) {
    return Scanner{false, reference_limits, nullptr}.run(source);
}

Result<std::vector<ImportRef>> checked_scan_executed_imports(std::string_view source, const ModuleFacts* module) {
    return Scanner{true, false, module}.run(source);
}

std::vector<ImportRef> scan_imports(std::string_view source, bool reference_limits) {
    auto refs = checked_scan_imports(source, reference_limits);
    return refs ? std::move(*refs) : std::vector<ImportRef>{};
}

std::vector<ImportRef> scan_executed_imports(std::string_view source, const ModuleFacts* module) {
    auto refs = checked_scan_executed_imports(source, module);
    return refs ? std::move(*refs) : std::vector<ImportRef>{};
}

bool TryFailures::runs(std::span<const ImportRef::InTry> tries) const {
    for (const auto& t : tries) {
        const bool failed = t.id < failed_.size() && failed_[t.id];
        if ((t.part == ImportRef::Part::handler) != failed) return false;
    }
    return true;
}

void TryFailures::raised(std::span<const ImportRef::InTry> tries, bool propagate) {
    for (auto t = tries.rbegin(); t != tries.rend(); ++t) {
        if (t->part != ImportRef::Part::body) continue; // raised in a clause: on to the enclosing try
        if (t->id >= failed_.size()) failed_.resize(t->id + 1, false);
        failed_[t->id] = true;
        if (!propagate || t->swallows) return;
    }
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
