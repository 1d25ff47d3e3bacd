#include "shape.hpp"

#include "mitokit/pickle/encoder.hpp"

namespace mitokit::payload::shape {

using pickle::Kind;

const char* py_type(Kind k) noexcept {
    // Shape errors name the value, as the reference's messages do ("None"), not its type.
    return k == Kind::none ? "None" : pickle::python_type_name(k);
}

Error bad(std::string_view handle, const std::string& what) {
    return make_error(Errc::bad_payload, std::string(handle) + ": " + what);
}

Error named(std::string_view handle, Error e) {
    e.message = std::string(handle) + ": " + e.message;
    return e;
}

Error pickle_count(std::string_view handle, std::size_t n) {
    return bad(handle, "payload holds " + std::to_string(n) + " pickles, want 1");
}

bool is_falsy(const pickle::Document& doc, pickle::NodeId id) noexcept {
    const pickle::Node& n = doc[id];
    switch (n.kind) {
    case Kind::none: return true;
    case Kind::boolean: return !n.flag;
    case Kind::integer: return n.i == 0;
    case Kind::floating: return n.f == 0.0; // -0.0 too; nan is true
    case Kind::str: case Kind::bytes: case Kind::blob: case Kind::secret: case Kind::bytearray: case Kind::memoryview:
        return n.s.empty();
    case Kind::tuple: case Kind::list: case Kind::dict: case Kind::kwargs: case Kind::set: case Kind::frozenset:
        return n.items.empty();
    default: return false; // big integers are never 0; objects have no __bool__ or __len__
    }
}

bool is_hashable_walk(const pickle::Document& doc, pickle::NodeId id) {
    // Only tuples nest among hashable values; walk them once each (a Document is a DAG).
    std::vector<pickle::NodeId> todo{id};
    std::vector<bool> seen(doc.size(), false);
    while (!todo.empty()) {
        const auto n = todo.back();
        todo.pop_back();
        if (seen[n]) continue;
        seen[n] = true;
        const Kind k = doc[n].kind;
        if (k == Kind::list || k == Kind::dict || k == Kind::kwargs) return false;
        if (k == Kind::set || k == Kind::bytearray) return false;
        if (k == Kind::tuple) todo.insert(todo.end(), doc[n].items.begin(), doc[n].items.end());
    }
    return true;
}

Result<std::span<const pickle::NodeId>> fields(std::string_view handle, const pickle::Document& doc, pickle::NodeId id,
                                           std::size_t n, bool list_ok, std::string_view form) {
    const auto& node = doc[id];
    const bool seq = node.kind == Kind::tuple || (list_ok && node.kind == Kind::list);
    if (!seq) return bad(handle, "payload must be " + std::string(form) + ", got " + py_type(node.kind));
    if (node.items.size() != n)
        return bad(handle, "payload must be " + std::string(form) + ", got a " + py_type(node.kind) + " of " +
                               std::to_string(node.items.size()));
    return std::span<const pickle::NodeId>(node.items);
}

Error Field::error(const pickle::Document& doc, pickle::NodeId id, std::string_view want) const {
    return bad(handle, "field " + std::to_string(index) + " (" + std::string(name) + ") must be " + std::string(want) +
                           ", got " + py_type(doc[id].kind));
}

std::vector<std::uint8_t> encode(const pickle::Document& doc, pickle::NodeId root) {
    std::vector<std::uint8_t> out;
    if (!pickle::encode(doc, root, out)) return {};
    return out;
}

} // namespace mitokit::payload::shape
