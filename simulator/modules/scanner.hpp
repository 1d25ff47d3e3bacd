// The import scanner: what mitogen's master finds when it scans a module's
// compiled module-level bytecode for IMPORT_NAME (protocol-notes §5.1 step 3),
// computed from the Python source text instead of bytecode.
//
// Module-level means code the module's own code object runs: statements at the top
// level and inside module-level if/elif/else/try/except/finally/with/for/while/match
// blocks, but not def/lambda/class bodies (separate code objects). Blocks the compiler
// removes (`if 0:`, `if False:`, `if not __debug__:`) are skipped as well.
// Pure text in, imports out: no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit::modules {

struct ImportRef {
    int level = 0;                     // 0 absolute, >0 relative (number of leading dots)
    std::string module;                // dotted name after the dots; may be empty ("from . import x")
    std::vector<std::string> fromlist; // names after `import` in a from-import; empty for `import x`
    // scan_executed_imports only: the statement sits in the body of a module-level
    // `try:` and every enclosing try's except clauses end in `raise`, and it runs
    // whenever the module does (in no branch the scanner cannot decide), so an
    // ImportError here fails the importing module (the optional-dependency pattern
    // `try: import socks` / `except ImportError: warnings.warn(...); raise`).
    bool reraised = false;
    // scan_executed_imports only: the statement runs whenever the module's code does
    // (in no try body, nor in a block the scanner cannot tell will run: a loop, a
    // match, an `if` on a condition it does not know), so an ImportError here fails
    // the importing module (`import pytest` at the top of a test package).
    bool unguarded = false;
    // scan_executed_imports only: the module-level try statements the import sits in,
    // outermost first (numbered in source order), and in which part. An import in a
    // handler (the first except clause that catches an ImportError) runs only where
    // an import in that try's body failed; one in its body or else clause only where
    // none did. A finally clause always runs and is not listed.
    enum class Part : std::uint8_t { body, handler, orelse };
    struct InTry {
        std::uint32_t id;
        Part part;
        bool swallows = false; // an except clause of this try does not end in `raise`
        friend bool operator==(const InTry&, const InTry&) = default;
    };
    std::vector<InTry> tries{};
    // scan_executed_imports only: in a class body, which runs while the module loads
    // but is a code object of its own, so scan_imports (mitogen's scan) leaves it out.
    bool in_class = false;
    // scan_executed_imports only: in the body of a function the module calls at its
    // top level, which runs then (scan_imports leaves function bodies out). Binds nothing.
    bool in_function = false;
    // scan_executed_imports only, outside class bodies: what the statement binds, for
    // following a module that replaces itself in sys.modules (ansible's compat
    // selectors module puts the standard library's there). An import binds one name
    // per module (a plain import: its `as` name, which refers to the whole dotted
    // module, or its first component) or per fromlist item. Kind assign is
    // `NAME = OTHER`: module is OTHER, binds {NAME}. Kind replace_self is
    // `sys.modules[__name__] = NAME` (or the module's own name): module is NAME. Kind
    // main_thread_call is a call that raises ValueError off the main thread (module is
    // the function: `signal.signal`), as the master's broker thread, which serves
    // GET_MODULE and so imports the parents of what it serves, is (psutil.tests).
    enum class Kind : std::uint8_t { import, assign, replace_self, main_thread_call };
    Kind kind = Kind::import;
    std::vector<std::string> binds{};
    friend bool operator==(const ImportRef&, const ImportRef&) = default;
};

// Imports in source order, as mitogen's bytecode scan finds them. Never fails:
// text it cannot make sense of is skipped, as a statement, without affecting
// later lines. With `reference_limits`, an import whose module name would sit past
// the 256th entry of the module code's names table is left out, as the
// reference's scan misses it (code_names.hpp); without, every compiled import.
std::vector<ImportRef> scan_imports(std::string_view source, bool reference_limits = true);
// scan_imports, or why the master's compile() refuses the source, where the scanner
// can tell: brackets nested deeper than MAX_BRACKET_NESTING (logical_lines.hpp), a
// SyntaxError. The reference's find_related_imports then raises, and the request is
// answered negatively. scan_imports gives no imports for such a source.
Result<std::vector<ImportRef>> checked_scan_imports(std::string_view source, bool reference_limits = true);

// The imports that importing the module may run, for modelling what an import
// adds to the master's sys.modules: scan_imports without the bodies of branches
// known not to run on the master (`if TYPE_CHECKING:`, version and platform tests,
// run_conditions.hpp) and of except clauses that catch no ImportError, with
// ImportRef::reraised, unguarded and tries saying when one runs and what a failing
// one does. `module`, where known, is the running module's name and __package__
// (tests on them decide branches: SWIG's `if __package__ or "." in __name__:`).
// What another module binds a name to, once, at its top level, where the tests of
// run_conditions can read it: a truth value (six's `PY3 = sys.version_info[0] == 3`)
// or the master's version tuple, whole or sliced (numba's `PYVERSION =
// sys.version_info[:2]`). A module that imports the name reads it through this.
struct ExportedName {
    enum class Kind : std::uint8_t { truth, version_info } kind = Kind::truth;
    bool value = false;     // truth
    std::uint8_t slice = 0; // version_info: `[:slice]`, 0 for the whole tuple
};
using ExportLookup = std::function<std::optional<ExportedName>(std::string_view module, std::string_view name)>;

struct ModuleFacts {
    std::string_view name;
    std::string_view package;
    const ExportLookup* exports = nullptr; // names from-imported from other modules, when known
};
// A module's __package__, what its relative imports are relative to: itself for a
// package, else its parent ("" at the top level). A view into `name`.
inline std::string_view package_of(std::string_view name, bool is_pkg) {
    if (is_pkg) return name;
    const auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}
std::vector<ImportRef> scan_executed_imports(std::string_view source, const ModuleFacts* module = nullptr);
// scan_executed_imports, or the error checked_scan_imports gives: importing such a
// module raises SyntaxError.
Result<std::vector<ImportRef>> checked_scan_executed_imports(std::string_view source, const ModuleFacts* module = nullptr);

// The try statements of one run of a module body that have failed so far, for
// deciding which of its executed imports run (ImportRef::tries).
class TryFailures {
public:
    // A try body stops at its failure, its handler runs only after one, its else
    // clause only without one (a finally clause always runs: not listed).
    bool runs(std::span<const ImportRef::InTry> tries) const;
    // The import raised: the innermost try body around it failed. With `propagate`,
    // so do the bodies around that one, up to the first whose except clause
    // swallows the error.
    void raised(std::span<const ImportRef::InTry> tries, bool propagate);

private:
    std::vector<bool> failed_; // by try id
};

// The module an import statement imports when it runs in a module whose
// __package__ is `package` (the module's own name for a package, its parent's
// otherwise): `ref.module` for an absolute import, resolved against `package`
// for a relative one. Empty when a relative import climbs above the top-level
// package (Python's "attempted relative import beyond top-level package").
std::string imported_module(std::string_view package, const ImportRef& ref);

} // namespace mitokit::modules
