// The names table (co_names) of a module's code object as Debian 12's Python 3.11
// compiler fills it, for the one place the reference's import scan depends on it:
// mitogen.master.scan_code_imports reads one byte of argument per instruction and
// ignores EXTENDED_ARG, so an IMPORT_NAME whose name sits at index 256 or later is
// preceded by EXTENDED_ARG, breaks the LOAD_CONST, LOAD_CONST, IMPORT_NAME pattern
// and is invisible to it (sympy/__init__.py's later imports). Internal to
// simulator/modules.
//
// Only which names come before an import matters, not their order within a
// statement. Names enter the table in compile order: module-level statements
// (also those of branches the compiler drops) with their expressions' names,
// attribute names, decorators, defaults and annotations, but not the bodies of
// functions, classes, lambdas and comprehensions (code objects of their own) nor
// keyword-argument names (constants). Known approximation: a try statement's else
// clause is compiled before its except clauses; here they count in source order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "logical_lines.hpp"

namespace mitokit::modules::detail {

class CodeNames {
public:
    // The largest index an IMPORT_NAME argument has without EXTENDED_ARG.
    static constexpr std::size_t ONE_BYTE = 255;

    // The name's index, entering it if new.
    std::size_t add(std::string_view name);
    std::size_t size() const noexcept { return index_.size(); }

    // The names of a statement or compound-statement header that is not an import,
    // a def or a class header (`for x in y:`, `a.b = f(c, k=d)`, `@deco(x)`).
    void statement(Toks t);
    // `def f(a: T = d, *, k=e) -> R:` up to its colon: defaults, annotations (unless
    // `from __future__ import annotations`), then the function's name.
    void def_header(Toks t);
    // `class C(B, metaclass=M):` up to its colon: bases and keyword values, then C.
    void class_header(Toks t);
    // The module's docstring is stored as __doc__ before anything else.
    void docstring() { add("__doc__"); }
    void future_annotations() { future_annotations_ = true; }

private:
    void expression(Toks t);
    void fstring(std::string_view literal);
    void fields(std::string_view text); // an f-string's replacement fields

    std::unordered_map<std::string, std::uint32_t> index_;
    bool future_annotations_ = false;
};

} // namespace mitokit::modules::detail
