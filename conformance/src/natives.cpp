#include "mitokit/conformance/natives.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

namespace mitokit::conformance {
namespace {

using pickle::Kind;
using sim::CallDone;
using sim::CallResult;
__extension__ typedef __int128 int128; // -Wpedantic: a GNU extension, on purpose
__extension__ typedef unsigned __int128 uint128;

std::size_t count(const payload::CallFunction& c, pickle::NodeId seq) {
    return seq == pickle::NO_NODE ? 0 : c.doc[seq].items.size();
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// CPython's message for a call with the wrong arguments, or empty if they fit.
// `self` counts a bound classmethod's cls, as CPython does in "takes N".
std::string arity_error(const payload::CallFunction& c, const std::string& qualname,
                        const std::vector<std::string>& params, bool self = false) {
    const std::size_t given = count(c, c.args);
    if (count(c, c.kwargs) > 0) {
        const auto& k = c.doc[c.doc[c.kwargs].items[0]];
        return qualname + "() got an unexpected keyword argument '" + k.s + "'";
    }
    if (given > params.size()) {
        const std::size_t extra = self ? 1 : 0;
        return qualname + "() takes " + plural(params.size() + extra, "positional argument", "positional arguments") +
               " but " + std::to_string(given + extra) + (given + extra == 1 ? " was" : " were") + " given";
    }
    if (given < params.size()) {
        const std::size_t missing = params.size() - given;
        std::string names;
        for (std::size_t i = given; i < params.size(); ++i) {
            if (i > given) names += (i + 1 == params.size()) ? (missing == 2 ? " and " : ", and ") : ", ";
            names += "'" + params[i] + "'";
        }
        return qualname + "() missing " +
               plural(missing, "required positional argument", "required positional arguments") + ": " + names;
    }
    return {};
}

const pickle::Node& arg(const payload::CallFunction& c, std::size_t i) { return c.doc[c.doc[c.args].items[i]]; }

// A result that is one of the call's own values (the Document is copied whole).
CallResult same_value(const payload::CallFunction& c, std::size_t i) {
    CallResult r;
    r.doc = c.doc;
    r.root = c.doc[c.args].items[i];
    return r;
}

bool arity_ok(const payload::CallFunction& c, const std::string& qualname, const std::vector<std::string>& params,
              CallDone& done, bool self = false) {
    auto e = arity_error(c, qualname, params, self);
    if (e.empty()) return true;
    done(CallResult::raise("builtins.TypeError", e));
    return false;
}

std::string type_name(const pickle::Node& n) { return pickle::python_type_name(n.kind, n.i); }

std::string int128_text(int128 v) {
    const bool neg = v < 0;
    uint128 u = neg ? static_cast<uint128>(-(v + 1)) + 1 : static_cast<uint128>(v);
    std::string s;
    do {
        s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
        u /= 10;
    } while (u);
    if (neg) s.push_back('-');
    std::reverse(s.begin(), s.end());
    return s;
}

void add(sim::Node&, const payload::CallFunction& c, CallDone done) {
    if (!arity_ok(c, "add", {"a", "b"}, done)) return;
    const auto& a = arg(c, 0);
    const auto& b = arg(c, 1);
    CallResult r;
    if (a.kind == Kind::integer && b.kind == Kind::integer) {
        r.root = r.doc.integer_text(int128_text(static_cast<int128>(a.i) + b.i));
    } else if (a.kind == Kind::floating && b.kind == Kind::floating) {
        r.root = r.doc.floating(a.f + b.f);
    } else if (a.kind == b.kind && (a.kind == Kind::str || a.kind == Kind::bytes)) {
        r.root = r.doc.text(a.kind, a.s + b.s);
    } else {
        done(CallResult::raise("builtins.TypeError", "unsupported operand type(s) for +: '" + type_name(a) +
                                                         "' and '" + type_name(b) + "'"));
        return;
    }
    done(std::move(r));
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
    if (!arity_ok(c, "fail", {"text"}, done)) return;
    const auto& t = arg(c, 0);
    // str(ValueError(x)) is x for a str; other types are not used by the suite.
    done(CallResult::raise("builtins.ValueError", t.kind == Kind::str ? t.s : "<" + type_name(t) + ">"));
}

void blob(sim::Node&, const payload::CallFunction& c, CallDone done) {
    if (!arity_ok(c, "blob", {"n"}, done)) return;
    const auto& n = arg(c, 0);
    if (n.kind != Kind::integer || n.i < 0 || n.i > (16 << 20)) {
        done(CallResult::raise("builtins.ValueError", "blob size out of range"));
        return;
    }
    CallResult r;
    r.root = r.doc.bytes(std::string(static_cast<std::size_t>(n.i), '\xa5'));
    done(std::move(r));
}

void length(sim::Node&, const payload::CallFunction& c, CallDone done) {
    if (!arity_ok(c, "length", {"value"}, done)) return;
    const auto& v = arg(c, 0);
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
    if (!arity_ok(c, "Calc.double", {"x"}, done, true)) return;
    const auto& x = arg(c, 0);
    CallResult r;
    if (x.kind == Kind::integer) r.root = r.doc.integer_text(int128_text(static_cast<int128>(x.i) * 2));
    else if (x.kind == Kind::floating) r.root = r.doc.floating(2 * x.f);
    else {
        done(CallResult::raise("builtins.TypeError", "unsupported operand type(s) for *: 'int' and '" +
                                                         type_name(x) + "'"));
        return;
    }
    done(std::move(r));
}

} // namespace

void add_conform_functions(sim::FunctionRegistry& r) {
    const std::string m = CONFORM_MODULE;
    r.add(m, std::nullopt, "echo", [](sim::Node&, const payload::CallFunction& c, CallDone done) {
        if (arity_ok(c, "echo", {"value"}, done)) done(same_value(c, 0));
    });
    r.add(m, std::nullopt, "add", add);
    r.add(m, std::nullopt, "kwargs_items", kwargs_items);
    r.add(m, std::nullopt, "fail", fail);
    r.add(m, std::nullopt, "blob", blob);
    r.add(m, std::nullopt, "length", length);
    r.add(m, std::string("Calc"), "double", double_);
}

} // namespace mitokit::conformance
