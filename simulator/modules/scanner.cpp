#include "scanner.hpp"

#include <algorithm>
#include <optional>

#include "logical_lines.hpp"
#include "run_conditions.hpp"

namespace mitokit::modules {
namespace {

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

// bytecode: every module-level import (mitogen's own scan); executed: what
// importing the module on the master runs, except clauses left out; runtime: the
// same conditions, with except clauses kept and each import's try statements.
enum class Mode { bytecode, executed, runtime };

class Scanner {
public:
    explicit Scanner(Mode mode) : mode_(mode), executed_only_(mode != Mode::bytecode) {}

    std::vector<ImportRef> run(std::string_view source) {
        const std::vector<Line> lines = detail::logical_lines(source);
        // Names set once to a constant: only the executed scans evaluate conditions.
        const std::optional<ConstNames> consts = executed_only_ ? std::optional<ConstNames>(lines) : std::nullopt;
        consts_ = consts ? &*consts : nullptr;
        for (const Line& line : lines) {
            ++line_no_;
            if (skip_above_ >= 0) {
                if (line.indent > skip_above_) {
                    handler_line(line);
                    continue;
                }
                skip_above_ = -1;
            }
            // The runtime scan reads a handler's lines instead of skipping them.
            if (mode_ == Mode::runtime && handler_ >= 0 && line.indent > tries_[static_cast<std::size_t>(handler_)].indent)
                handler_line(line);
            else
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

    RuntimeImports run_runtime(std::string_view source) {
        RuntimeImports r;
        std::vector<ImportRef> refs = run(source);
        r.imports.reserve(refs.size());
        for (std::size_t k = 0; k < refs.size(); ++k) r.imports.push_back(RuntimeImport{std::move(refs[k]), std::move(places_[k])});
        for (const Try& t : tries_) r.handled.push_back(t.swallows);
        return r;
    }

private:
    // A module-level try statement: its header's indent, whether its body is still
    // being read, and whether one of its except clauses swallows the exception
    // (does not end in `raise` at the handler's own level).
    struct Try {
        int indent;
        bool in_body = true;
        bool swallows = false;
        TryPart part = TryPart::body;
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
                t.part = w == "except" ? TryPart::handler : w == "else" ? TryPart::orelse : TryPart::final;
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
                    auto v = detail::constant_truth(cond);
                    if (!v && executed_only_ && w != "while") v = detail::run_truth(cond, consts_, line_no_ - 1);
                    if (v && !*v) dead = true;
                    if (w != "while") {
                        if (v && *v) true_if_indent_ = indent;
                        else if (w == "if") true_if_indent_ = -1;
                    }
                } else if (w != "else") {
                    if (true_if_indent_ == indent) true_if_indent_ = -1;
                    if (w == "except" && executed_only_) {
                        dead = mode_ == Mode::executed;
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
        if (mode_ != Mode::runtime) return;
        std::vector<TryPlace> places;
        for (std::size_t id : open_) places.push_back(TryPlace{static_cast<std::uint32_t>(id), tries_[id].part});
        for (std::size_t k = before; k < out_.size(); ++k) places_.push_back(places);
    }

    Mode mode_;
    bool executed_only_;
    const ConstNames* consts_ = nullptr; // valid during run()
    std::size_t line_no_ = 0;            // logical lines begun so far
    std::vector<ImportRef> out_;
    std::vector<std::vector<std::size_t>> enclosing_; // per import: the try bodies it is in
    std::vector<std::vector<TryPlace>> places_;       // per import (runtime): every open try and its part
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
    return Scanner{Mode::bytecode}.run(source);
}

std::vector<ImportRef> scan_executed_imports(std::string_view source) {
    return Scanner{Mode::executed}.run(source);
}

RuntimeImports scan_runtime_imports(std::string_view source) {
    return Scanner{Mode::runtime}.run_runtime(source);
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
