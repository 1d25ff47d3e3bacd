// The little of Python 3.11's semantics the native mitokit_conform functions need to
// answer as the Python module does: `a + b` over the values a mitogen pickle carries
// (numbers of any size, str/bytes/list/tuple concatenation, CPython's TypeError texts),
// str() of a single exception argument, and CPython's argument-binding errors.
#pragma once

#include <string>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/value.hpp"

namespace mitokit::conformance {

struct PyOutcome {
    pickle::NodeId value = pickle::NO_NODE; // set on success (a node of the document given)
    std::string error_type;                 // "builtins.TypeError", ... on failure
    std::string error_text;
};

// a + b, both nodes of `doc`; the result is built in `doc`.
PyOutcome py_add(pickle::Document& doc, pickle::NodeId a, pickle::NodeId b);

// str(x) as str(ValueError(x)) shows it, for the kinds the suite passes (str, bytes,
// numbers, None, bool); other kinds give "<typename>".
std::string py_str(const pickle::Document& doc, pickle::NodeId x);

// Binds the call's positional and keyword arguments to qualname(params...) as CPython
// does: `values` gets one node per parameter; the result is CPython's TypeError text,
// or empty when they bind. `self` counts a bound classmethod's cls in "takes N".
std::string py_bind(const payload::CallFunction& c, const std::string& qualname, const std::vector<std::string>& params,
                    std::vector<pickle::NodeId>& values, bool self = false);

} // namespace mitokit::conformance
