#include "py_semantics.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace mitokit::conformance {
namespace {

using pickle::Kind;
using pickle::Node;
using pickle::NodeId;

std::string type_name(const Node& n) { return pickle::python_type_name(n.kind, n.i); }

bool is_int(Kind k) { return k == Kind::boolean || k == Kind::integer || k == Kind::big_integer; }
bool is_str(Kind k) { return k == Kind::str || k == Kind::secret; }
bool is_bytes(Kind k) { return k == Kind::bytes || k == Kind::blob; }

std::string decimal(const Node& n) {
    if (n.kind == Kind::boolean) return n.flag ? "1" : "0";
    if (n.kind == Kind::integer) return std::to_string(n.i);
    return n.s; // big_integer: decimal digits, '-' first if negative
}

// |a| + |b| and |a| - |b| (|a| >= |b|) of digit strings without sign.
std::string add_magnitudes(const std::string& a, const std::string& b) {
    std::string out;
    int carry = 0;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
        int d = carry;
        if (i < a.size()) d += a[a.size() - 1 - i] - '0';
        if (i < b.size()) d += b[b.size() - 1 - i] - '0';
        out.push_back(static_cast<char>('0' + d % 10));
        carry = d / 10;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::string sub_magnitudes(const std::string& a, const std::string& b) {
    std::string out;
    int borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        int d = a[a.size() - 1 - i] - '0' - borrow;
        if (i < b.size()) d -= b[b.size() - 1 - i] - '0';
        borrow = d < 0;
        out.push_back(static_cast<char>('0' + (d + 10) % 10));
    }
    while (out.size() > 1 && out.back() == '0') out.pop_back();
    std::reverse(out.begin(), out.end());
    return out;
}

bool less_magnitude(const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::string add_decimal(const std::string& x, const std::string& y) {
    const bool nx = x[0] == '-', ny = y[0] == '-';
    std::string a = nx ? x.substr(1) : x, b = ny ? y.substr(1) : y;
    if (nx == ny) return (nx ? "-" : "") + add_magnitudes(a, b);
    bool neg = nx;
    if (less_magnitude(a, b)) {
        std::swap(a, b);
        neg = ny;
    }
    std::string m = sub_magnitudes(a, b);
    return (m == "0" || !neg) ? m : "-" + m;
}

// float(int) as CPython converts it (correctly rounded; too large is an OverflowError).
bool to_double(const Node& n, double& out) {
    if (n.kind == Kind::floating) { out = n.f; return true; }
    if (n.kind == Kind::boolean) { out = n.flag ? 1.0 : 0.0; return true; }
    if (n.kind == Kind::integer) { out = static_cast<double>(n.i); return true; }
    errno = 0;
    out = std::strtod(n.s.c_str(), nullptr);
    return !(errno == ERANGE && std::isinf(out));
}

PyOutcome type_error(std::string text) { return {pickle::NO_NODE, "builtins.TypeError", std::move(text)}; }

void repr_bytes(const std::string& s, std::string& out) {
    const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char q = dq ? '"' : '\'';
    out += 'b';
    out += q;
    static const char hex[] = "0123456789abcdef";
    for (unsigned char ch : s) {
        if (ch == q || ch == '\\') { out += '\\'; out += static_cast<char>(ch); }
        else if (ch == '\t') out += "\\t";
        else if (ch == '\n') out += "\\n";
        else if (ch == '\r') out += "\\r";
        else if (ch < 0x20 || ch >= 0x7f) { out += "\\x"; out += hex[ch >> 4]; out += hex[ch & 15]; }
        else out += static_cast<char>(ch);
    }
    out += q;
}

std::size_t count(const payload::CallFunction& c, NodeId seq) {
    return seq == pickle::NO_NODE ? 0 : c.doc[seq].items.size();
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

} // namespace

PyOutcome py_add(pickle::Document& doc, NodeId ia, NodeId ib) {
    const Node& a = doc[ia];
    const Node& b = doc[ib];
    const bool na = is_int(a.kind) || a.kind == Kind::floating, nb = is_int(b.kind) || b.kind == Kind::floating;
    if (na && nb) {
        if (is_int(a.kind) && is_int(b.kind)) return {doc.integer_text(add_decimal(decimal(a), decimal(b))), {}, {}};
        double x = 0, y = 0;
        if (!to_double(a, x) || !to_double(b, y))
            return {pickle::NO_NODE, "builtins.OverflowError", "int too large to convert to float"};
        return {doc.floating(x + y), {}, {}};
    }
    // Neither number's __add__ applies: the left operand's sequence concatenation, if it has one.
    if (is_str(a.kind)) {
        if (!is_str(b.kind)) return type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
        return {doc.str(a.s + b.s), {}, {}};
    }
    if (is_bytes(a.kind)) {
        if (!is_bytes(b.kind)) return type_error("can't concat " + type_name(b) + " to bytes");
        return {doc.bytes(a.s + b.s), {}, {}};
    }
    if (a.kind == Kind::list || a.kind == Kind::tuple) {
        const char* t = a.kind == Kind::list ? "list" : "tuple";
        if (b.kind != a.kind) return type_error(std::string("can only concatenate ") + t + " (not \"" + type_name(b) + "\") to " + t);
        std::vector<NodeId> items = a.items;
        items.insert(items.end(), b.items.begin(), b.items.end());
        return {doc.seq(a.kind, std::move(items)), {}, {}};
    }
    return type_error("unsupported operand type(s) for +: '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string py_str(const pickle::Document& doc, NodeId id) {
    const Node& n = doc[id];
    switch (n.kind) {
    case Kind::str: case Kind::secret: return n.s;
    case Kind::bytes: case Kind::blob: { std::string out; repr_bytes(n.s, out); return out; }
    case Kind::integer: case Kind::big_integer: return decimal(n);
    case Kind::boolean: return n.flag ? "True" : "False";
    case Kind::none: return "None";
    default: return "<" + type_name(n) + ">";
    }
}

std::string py_bind(const payload::CallFunction& c, const std::string& qualname, const std::vector<std::string>& params,
                    std::vector<NodeId>& values, bool self) {
    const std::size_t given = count(c, c.args);
    values.assign(params.size(), pickle::NO_NODE);
    std::vector<bool> bound(params.size(), false);
    for (std::size_t i = 0; i < std::min(given, params.size()); ++i) {
        bound[i] = true;
        values[i] = c.doc[c.args].items[i];
    }
    // CPython binds keywords before it counts positional arguments.
    if (c.kwargs != pickle::NO_NODE) {
        const auto& items = c.doc[c.kwargs].items;
        for (std::size_t k = 0; k + 1 < items.size(); k += 2) {
            const std::string& name = c.doc[items[k]].s;
            auto it = std::find(params.begin(), params.end(), name);
            if (it == params.end()) return qualname + "() got an unexpected keyword argument '" + name + "'";
            const auto j = static_cast<std::size_t>(it - params.begin());
            if (bound[j]) return qualname + "() got multiple values for argument '" + name + "'";
            bound[j] = true;
            values[j] = items[k + 1];
        }
    }
    if (given > params.size()) {
        const std::size_t extra = self ? 1 : 0;
        return qualname + "() takes " + plural(params.size() + extra, "positional argument", "positional arguments") +
               " but " + std::to_string(given + extra) + (given + extra == 1 ? " was" : " were") + " given";
    }
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < params.size(); ++i)
        if (!bound[i]) missing.push_back(params[i]);
    if (missing.empty()) return {};
    std::string names;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        if (i) names += (i + 1 == missing.size()) ? (missing.size() == 2 ? " and " : ", and ") : ", ";
        names += "'" + missing[i] + "'";
    }
    return qualname + "() missing " +
           plural(missing.size(), "required positional argument", "required positional arguments") + ": " + names;
}

} // namespace mitokit::conformance
