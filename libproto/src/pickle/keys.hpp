// Python's dict-key semantics over Document nodes: which values are hashable,
// when two keys are equal (1 == 1.0 == True, b'a' == Blob(b'a'), identity for
// Context/Sender/CallError, a shared node is always equal to itself), and a
// reusable index so large dicts and sets insert in O(1).
#pragma once

#include <cstdint>
#include <vector>

#include "mitokit/pickle/value.hpp"

namespace mitokit::pickle::detail {

// nullptr if `key` is hashable, else the Python type name of the unhashable part.
const char* unhashable_type_walk(const Document& doc, NodeId key) noexcept;
inline const char* unhashable_type(const Document& doc, NodeId key) noexcept {
    // Scalars (None, bool, int, float, str, bytes: the kinds before tuple) are the
    // usual dict key; only containers and objects need the walk's call.
    if (doc[key].kind < Kind::tuple) return nullptr;
    return unhashable_type_walk(doc, key);
}
bool keys_equal(const Document& doc, NodeId a, NodeId b);
std::uint64_t key_hash(const Document& doc, NodeId key);

class KeyIndex {
public:
    // d[key] = value on a dict or Kwargs node (key must be hashable). An equal key
    // keeps its original node and gets the new value, as Python's dict does.
    void set_item(Document& doc, NodeId dict, NodeId key, NodeId value) { put(doc, dict, key, value, 2); }
    // set.add(key) on a set or frozenset node.
    void add_member(Document& doc, NodeId set, NodeId key) { put(doc, set, key, NO_NODE, 1); }
    // Forgets every indexed container (call before the Document is cleared).
    // Inline for the usual decode, which indexed nothing.
    void reset(Document& doc) noexcept {
        if (!indexed_.empty() || used_ != 0) reset_indexed(doc);
    }

private:
    struct Slot {
        std::uint64_t hash;
        NodeId owner;
        std::uint32_t pos;
    };
    static constexpr std::size_t kLinear = 8; // containers this small are scanned
    void insert_slot(std::uint64_t h, NodeId owner, std::uint32_t pos);
    void index_all(Document& doc, NodeId owner, std::size_t stride);
    void grow();
    bool put(Document& doc, NodeId owner, NodeId key, NodeId value, std::size_t stride);
    void reset_indexed(Document& doc) noexcept;

    std::vector<Slot> slots_;
    std::size_t used_ = 0;
    std::vector<NodeId> indexed_;
};

} // namespace mitokit::pickle::detail
