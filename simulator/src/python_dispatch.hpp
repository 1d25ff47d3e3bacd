// What 0.3.3's Dispatcher makes, in Python, of a CALL_FUNCTION payload that
// libproto's typed parser refuses: the exception it meets first (unpickling,
// unpacking six names, import, getattr, *args/**kwargs), in CPython 3.11's words.
// Used on the error paths of node_calls.cpp only; the well-formed call never
// comes here. Internal to the simulator.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mitokit/payloads.hpp"
#include "mitokit/result.hpp"
#include "mitokit/sim/node_scratch.hpp"

namespace mitokit::sim::pydispatch {

// One step of the Python dispatch: go on, raise `error`, or a case not modelled
// (the caller keeps the typed parser's refusal).
struct PyStep {
    enum { go, raise, unmodelled } what = go;
    std::string error;
    static PyStep fail(std::string_view type, std::string_view text) {
        return {raise, std::string(type) + ": " + std::string(text)};
    }
};

// The exception Message.unpickle raises where the decoder refused the payload, as
// CallError(e) words it; nullopt for a refusal with no Python counterpart.
std::optional<std::string> unpickle_exception(const Error& e);

// Python's type name for a value ("NoneType", "int", ...).
const char* type_of(const pickle::Document& doc, pickle::NodeId id);
bool is_text(const pickle::Node& n);
bool is_mapping(const pickle::Node& n);

// A module or class attribute that is there but is no function: its str() and type.
struct NotCallable {
    std::string value;
    const char* type;
};
std::optional<NotCallable> plain_attribute(const payload::CallFunction& call, bool has_class);

// `fn(*args, **kwargs)` checks in CPython's order; on `go`, call.args is a tuple or list.
PyStep check_call_arguments(payload::CallFunction& call, const std::string& callee,
                            const std::optional<NotCallable>& not_callable);

// The function's name as CPython's call errors give it ("module.Class.func").
std::string qualname(const payload::CallFunction& call);

// getattr(module, klass) and getattr(obj, func) on names that are not str.
std::optional<std::string> getattr_names(const payload::CallFunction& call, pickle::NodeId six, bool has_class);

// Message.unpickle, then the six-name unpacking, on a payload the typed parser
// refused. On `go`, pc.call holds the call as Python would use it and pc.unpacked its values.
PyStep unpack_as_python(std::span<const std::uint8_t> data, ParsedCall& pc);

} // namespace mitokit::sim::pydispatch
