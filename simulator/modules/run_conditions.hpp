// What a module-level `if` condition is while the module runs on the master
// (Debian 12's Python 3.11.2), where the import scanner can tell: the compiler's
// constant folding, and the tests modules branch on before importing (TYPE_CHECKING,
// sys.version_info, the __main__ guard, a name set once to a constant, a fact of
// the master's standard library, sys.platform and os.name, an environment variable
// the master does not set), combined by and/or/not. Internal to simulator/modules.
#pragma once

#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "logical_lines.hpp"
#include "scanner.hpp"

namespace mitokit::modules::detail {

// The compiler's view of a constant condition (after AST folding), if it is one:
// a block it folds to false is not in the bytecode at all.
std::optional<bool> constant_truth(Toks cond);

// Module-level names bound once, to a constant (`tornado = None`) or to a test
// run_truth knows (`py38 = sys.version_info >= (3, 8)`, `_mswindows = (sys.platform
// == "win32")`) or by a Windows-only import's try/except/else (subprocess's
// _mswindows), and never bound again anywhere in the module. Built from the module's logical lines.
// With `module` and its `exports`, a name the module from-imports at its top level
// (bound once) counts too, where the module it comes from binds it so: numba's
// `from numba.core.config import PYVERSION`, then `if PYVERSION < (3, 9):`.
class ConstNames {
public:
    explicit ConstNames(const std::vector<Line>& lines, const ModuleFacts* module = nullptr);
    // What the module, once run, has `name` bound to, for modules that import it.
    std::optional<ExportedName> exported(std::string_view name) const;
    // `NAME`, `MODULE.NAME` or either under `not` on logical line `line`, for such a name set before it.
    std::optional<bool> truth(Toks cond, std::size_t line) const;
    // `cond` with the module's top-level aliases of what the tests read spelled out
    // (`import sys as _sys`, `from sys import version_info`), bound once before `line`:
    // netaddr tests `_sys.platform`. False (and `out` untouched) where there is none.
    bool expand_aliases(Toks cond, std::size_t line, std::vector<Tok>& out) const;

private:
    struct Const {
        bool value;
        std::size_t line;
    };
    struct Alias {
        std::string_view module, attribute; // attribute empty: the module itself
        std::size_t line;
    };
    // A name for the master's version tuple (`sys.version_info[:slice]`, 0: whole).
    struct Version {
        std::uint8_t slice;
        std::size_t line;
    };
    std::unordered_map<std::string_view, Const> consts_;
    std::unordered_map<std::string_view, Alias> aliases_;
    std::unordered_map<std::string_view, Version> versions_;
    std::unordered_map<std::string, Const> attributes_; // "MODULE_NAME.ATTRIBUTE"
    void attribute_truths(const std::vector<Line>& lines, const ModuleFacts& module,
                          const std::unordered_map<std::string_view, std::size_t>& all_bound);
};

// Every name the statement may bind, conservatively (counted into `bound`).
void collect_bindings(Toks t, std::unordered_map<std::string_view, std::size_t>& bound);

// The condition's truth while the module runs on the master, where it is one of the
// tests above (`consts` may be null) or, with `module`, a test of the module's own
// __package__ or __name__; nullopt otherwise (the block is taken as run).
std::optional<bool> run_truth(Toks cond, const ConstNames* consts, std::size_t line,
                              const ModuleFacts* module = nullptr);

} // namespace mitokit::modules::detail
