#include "mitokit/conformance/natives.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "py_semantics.hpp"

namespace mitokit::conformance {
namespace {

using pickle::Kind;
using sim::CallDone;
using sim::CallResult;

// The call's arguments bound to params (CPython's rules), or false after answering
// with CPython's TypeError.
bool bind(const payload::CallFunction& c, const std::string& qualname, const std::vector<std::string>& params,
          std::vector<pickle::NodeId>& values, CallDone& done, bool self = false) {
    auto e = py_bind(c, qualname, params, values, self);
    if (e.empty()) return true;
    done(CallResult::raise("builtins.TypeError", e));
    return false;
}

// A result that is one of the call's own values (the Document is copied whole).
CallResult same_value(const payload::CallFunction& c, pickle::NodeId v) {
    CallResult r;
    r.doc = c.doc;
    r.root = v;
    return r;
}

std::string type_name(const pickle::Node& n) { return pickle::python_type_name(n.kind, n.i); }

std::size_t count(const payload::CallFunction& c, pickle::NodeId seq) {
    return seq == pickle::NO_NODE ? 0 : c.doc[seq].items.size();
}

// Answers a + b (two of the call's arguments) as Python's + would, or its exception.
void answer_sum(const payload::CallFunction& c, pickle::NodeId a, pickle::NodeId b, const CallDone& done) {
    CallResult r;
    r.doc = c.doc;
    const PyOutcome sum = py_add(r.doc, a, b);
    if (sum.value == pickle::NO_NODE) {
        done(CallResult::raise(sum.error_type, sum.error_text));
        return;
    }
    r.root = sum.value;
    done(std::move(r));
}

void add(sim::Node&, const payload::CallFunction& c, CallDone done) {
    std::vector<pickle::NodeId> v;
    if (!bind(c, "add", {"a", "b"}, v, done)) return;
    answer_sum(c, v[0], v[1], done);
}

void kwargs_items(sim::Node&, const payload::CallFunction& c, CallDone done) {
    if (const std::size_t n = count(c, c.args); n > 0) {
        done(CallResult::raise("builtins.TypeError", "kwargs_items() takes 0 positional arguments but " +
                                                         std::to_string(n) + (n == 1 ? " was" : " were") + " given"));
        return;
    }
    CallResult r;
    r.doc = c.doc;
    const auto items = c.doc[c.kwargs].items;
    std::vector<std::size_t> order(items.size() / 2);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return c.doc[items[2 * x]].s < c.doc[items[2 * y]].s; });
    std::vector<pickle::NodeId> pairs;
    for (std::size_t i : order) pairs.push_back(r.doc.seq(Kind::tuple, {items[2 * i], items[2 * i + 1]}));
    r.root = r.doc.seq(Kind::list, std::move(pairs));
    done(std::move(r));
}

void fail(sim::Node&, const payload::CallFunction& c, CallDone done) {
    std::vector<pickle::NodeId> v;
    if (!bind(c, "fail", {"text"}, v, done)) return;
    done(CallResult::raise("builtins.ValueError", py_str(c.doc, v[0])));
}

void blob(sim::Node&, const payload::CallFunction& c, CallDone done) {
    std::vector<pickle::NodeId> v;
    if (!bind(c, "blob", {"n"}, v, done)) return;
    const auto& n = c.doc[v[0]];
    if (n.kind != Kind::integer || n.i < 0 || n.i > (16 << 20)) {
        done(CallResult::raise("builtins.ValueError", "blob size out of range"));
        return;
    }
    CallResult r;
    r.root = r.doc.bytes(std::string(static_cast<std::size_t>(n.i), '\xa5'));
    done(std::move(r));
}

void length(sim::Node&, const payload::CallFunction& c, CallDone done) {
    std::vector<pickle::NodeId> bound;
    if (!bind(c, "length", {"value"}, bound, done)) return;
    const auto& v = c.doc[bound[0]];
    std::int64_t n = 0;
    switch (v.kind) {
    case Kind::str:
        n = std::count_if(v.s.begin(), v.s.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xc0) != 0x80; });
        break;
    case Kind::bytes: case Kind::blob: n = static_cast<std::int64_t>(v.s.size()); break;
    case Kind::tuple: case Kind::list: n = static_cast<std::int64_t>(v.items.size()); break;
    case Kind::dict: case Kind::kwargs: n = static_cast<std::int64_t>(v.items.size() / 2); break;
    default:
        done(CallResult::raise("builtins.TypeError", "object of type '" + type_name(v) + "' has no len()"));
        return;
    }
    done(CallResult::integer(n));
}

void double_(sim::Node&, const payload::CallFunction& c, CallDone done) {
    std::vector<pickle::NodeId> v;
    if (!bind(c, "Calc.double", {"x"}, v, done, true)) return;
    // 2 * x is x + x for every kind int * x accepts (numbers repeat-add, sequences repeat).
    switch (c.doc[v[0]].kind) {
    case Kind::boolean: case Kind::integer: case Kind::big_integer: case Kind::floating:
    case Kind::str: case Kind::secret: case Kind::bytes: case Kind::blob: case Kind::list: case Kind::tuple:
        answer_sum(c, v[0], v[0], done);
        return;
    default:
        done(CallResult::raise("builtins.TypeError", "unsupported operand type(s) for *: 'int' and '" +
                                                         type_name(c.doc[v[0]]) + "'"));
    }
}

} // namespace

void add_conform_functions(sim::FunctionRegistry& r) {
    const std::string m = CONFORM_MODULE;
    r.add(m, std::nullopt, "echo", [](sim::Node&, const payload::CallFunction& c, CallDone done) {
        std::vector<pickle::NodeId> v;
        if (bind(c, "echo", {"value"}, v, done)) done(same_value(c, v[0]));
    });
    r.add(m, std::nullopt, "add", add);
    r.add(m, std::nullopt, "kwargs_items", kwargs_items);
    r.add(m, std::nullopt, "fail", fail);
    r.add(m, std::nullopt, "blob", blob);
    r.add(m, std::nullopt, "length", length);
    r.add(m, std::string("Calc"), "double", double_);
}

} // namespace mitokit::conformance
