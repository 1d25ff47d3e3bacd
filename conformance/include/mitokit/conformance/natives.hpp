// Native C++ versions of conformance/python/mitokit_conform.py, registered under
// the same names (module mitokit_conform; echo, add, kwargs_items, fail, blob,
// length, Calc.double), so a C++ context answers the suite's calls as a Python
// one does: same values, same CallError texts (first line), arguments bound by
// position and keyword with CPython's TypeErrors, Python's `+` (src/py_semantics.hpp).
// tests/natives_test.cpp checks them against CPython running the Python module.
#pragma once

#include "mitokit/sim/functions.hpp"

namespace mitokit::conformance {

inline constexpr const char* CONFORM_MODULE = "mitokit_conform";

void add_conform_functions(sim::FunctionRegistry& r);

} // namespace mitokit::conformance
