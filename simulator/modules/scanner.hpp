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
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::modules {

// Where an import sits in a module-level try statement.
enum class TryPart : std::uint8_t { body, handler, orelse, final };
struct TryPlace {
    std::uint32_t id; // the try statement, numbered in source order
    TryPart part;
    friend bool operator==(const TryPlace&, const TryPlace&) = default;
};

struct ImportRef {
    int level = 0;                     // 0 absolute, >0 relative (number of leading dots)
    std::string module;                // dotted name after the dots; may be empty ("from . import x")
    std::vector<std::string> fromlist; // names after `import` in a from-import; empty for `import x`
    // scan_executed_imports only: the statement sits in the body of a module-level
    // `try:` and every enclosing try's except clauses end in `raise`, so an
    // ImportError here fails the importing module (the optional-dependency pattern
    // `try: import socks` / `except ImportError: warnings.warn(...); raise`).
    bool reraised = false;
    // scan_executed_imports only: the statement runs whenever the module's code does
    // (in no try body, nor in a block the scanner cannot tell will run: a loop, a
    // match, an `if` on a condition it does not know), so an ImportError here fails
    // the importing module (`import pytest` at the top of a test package).
    bool unguarded = false;
    // scan_executed_imports only: the module-level try statements the import sits in,
    // outermost first, and in which part. An import in a handler (the first except
    // clause that catches an ImportError; the others are left out) runs only where an
    // import in that try's body failed; one in its body or else clause only where
    // none did. A finally clause always runs and is not listed.
    std::vector<TryPlace> tries{};
    friend bool operator==(const ImportRef&, const ImportRef&) = default;
};

// Imports in source order. Never fails: text it cannot make sense of is skipped,
// as a statement, without affecting later lines.
std::vector<ImportRef> scan_imports(std::string_view source);

// The imports that importing the module may run, for modelling what an import
// adds to the master's sys.modules: scan_imports without the bodies of branches
// known not to run on the master (`if TYPE_CHECKING:`, version and platform tests,
// run_conditions.hpp) and of except clauses that catch no ImportError, with
// ImportRef::reraised, unguarded and tries saying when one runs and what a failing
// one does.
std::vector<ImportRef> scan_executed_imports(std::string_view source);

struct RuntimeImport {
    ImportRef ref;
    std::vector<TryPlace> within; // the open try statements around it, outermost first
};
struct RuntimeImports {
    std::vector<RuntimeImport> imports;
    std::vector<bool> handled; // per try: an except clause does not end in `raise`
};

// What a child runs when it executes the module, for modelling which imports it
// asks its parent for: scan_executed_imports' conditions (TYPE_CHECKING, the
// Python version, constant names), but except/else clauses are kept and each
// import says which try statements enclose it, so that the caller can run an
// except clause only when its try body's import failed.
RuntimeImports scan_runtime_imports(std::string_view source);

// The module an import statement imports when it runs in a module whose
// __package__ is `package` (the module's own name for a package, its parent's
// otherwise): `ref.module` for an absolute import, resolved against `package`
// for a relative one. Empty when a relative import climbs above the top-level
// package (Python's "attempted relative import beyond top-level package").
std::string imported_module(std::string_view package, const ImportRef& ref);

} // namespace mitokit::modules
