// The value model of mitogen pickles: exactly the values mitogen's restricted
// unpickler can produce (value-json.md). Values live in a Document, an arena of
// nodes addressed by index; a memo reference in a pickle makes two parents share
// one node, so a Document is a DAG (and, through APPEND/SETITEM on a memoized
// list or dict, may even hold a cycle, as CPython's unpickler allows). Documents
// are cheap to move, and clear() keeps every node's storage for the next decode,
// so a reused Document decodes without allocating in the steady state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mitokit::pickle {

enum class Kind : std::uint8_t {
    none,
    boolean,
    integer,     // fits int64: Node::i
    big_integer, // does not fit int64: Node::s holds the decimal digits (leading '-')
    floating,    // Node::f
    str,         // Node::s, UTF-8 (a surrogate code point as its 3-byte form, as CPython's surrogatepass)
    bytes,       // Node::s, raw bytes
    // Containers: the decoder also leaves their nesting depth (1 + deepest child
    // when built) in Node::i, which a container does not otherwise use.
    tuple,       // Node::items
    list,        // Node::items
    dict,        // Node::items: key0, value0, key1, value1, ... in insertion order
    kwargs,      // mitogen.core.Kwargs, like dict
    blob,        // mitogen.core.Blob: Node::s raw bytes
    secret,      // mitogen.core.Secret: Node::s UTF-8
    call_error,  // mitogen.core.CallError: Node::s UTF-8 message
    context,     // mitogen.core.Context: Node::i id, Node::s name, Node::flag = has name
    sender,      // mitogen.core.Sender: Node::i context id, Node::i2 handle
    // Values mitogen's unpickler also lets through (opcodes that need no global:
    // EMPTY_SET/ADDITEMS/FROZENSET, BYTEARRAY8, READONLY_BUFFER, or a bare GLOBAL
    // left on the stack) but that have no canonical JSON: to_json and encode refuse
    // them, naming the Python type, as value_json.py's to_json does.
    set,         // Node::items (members, insertion order)
    frozenset,   // Node::items
    bytearray,   // Node::s raw bytes
    memoryview,  // Node::s raw bytes (a read-only view of a bytearray)
    global,      // a whitelisted callable itself: Node::i is a Callable
};

// The callables on mitogen's whitelist (Message._find_global).
enum class Callable : std::uint8_t {
    call_error, // mitogen.core _unpickle_call_error / CallError
    context,    // mitogen.core _unpickle_context
    sender,     // mitogen.core _unpickle_sender
    blob,       // mitogen.core Blob
    secret,     // mitogen.core Secret
    kwargs,     // mitogen.core Kwargs
    codecs_encode, // _codecs encode
    bytes,      // __builtin__ bytes
};

// The kind's name as value-json.md spells the tag ("tuple", "kwargs", ...), or
// the Python type name for the kinds without a tag ("NoneType", "set", ...).
const char* kind_name(Kind k) noexcept;
// The Python type name of a value of this kind, as Python's messages say it
// ("str", "Kwargs", "type" for a global class, ...).
const char* python_type_name(Kind k, std::int64_t callable = 0) noexcept;

namespace detail {
struct DecodeScratch; // the decoder's stack, memo and key index (decoder.cpp)
// Owns the scratch; copying a Document copies values, not scratch.
class ScratchBox {
public:
    ScratchBox() noexcept;
    ScratchBox(const ScratchBox&) noexcept;
    ScratchBox(ScratchBox&&) noexcept;
    ScratchBox& operator=(const ScratchBox&) noexcept;
    ScratchBox& operator=(ScratchBox&&) noexcept;
    ~ScratchBox();
    // Inline for the usual case (made already): a call costs as much as the test.
    DecodeScratch& get() { return p_ ? *p_ : make(); }

private:
    DecodeScratch& make();
    std::unique_ptr<DecodeScratch> p_;
};
} // namespace detail

using NodeId = std::uint32_t;
inline constexpr NodeId NO_NODE = 0xffffffffu;

struct Node {
    Kind kind = Kind::none;
    bool flag = false; // boolean value; Context: name present
    std::int64_t i = 0;
    std::int64_t i2 = 0;
    double f = 0.0;
    std::string s;
    std::vector<NodeId> items;
};

class Document {
public:
    const Node& operator[](NodeId id) const { return nodes_[id]; }
    Node& operator[](NodeId id) { return nodes_[id]; }
    std::size_t size() const noexcept { return used_; }

    // Top-level values in order: one per pickle in the payload (0.3.39+ may carry several).
    std::span<const NodeId> roots() const noexcept { return roots_; }
    void add_root(NodeId id) { roots_.push_back(id); }
    NodeId root() const { return roots_.at(0); }

    // Forgets every node but keeps their storage for reuse.
    void clear() noexcept { used_ = 0; roots_.clear(); }
    void reserve(std::size_t n) { nodes_.reserve(n); }

    NodeId add(Node n) {
        if (used_ < nodes_.size()) {
            nodes_[used_] = std::move(n);
        } else {
            nodes_.push_back(std::move(n));
        }
        return static_cast<NodeId>(used_++);
    }

    // A fresh node of kind k, reusing a cleared node's string and vector capacity.
    // Always inlined: the decoder makes one per value, and a call costs about
    // what the rest does.
    [[gnu::always_inline]] NodeId alloc(Kind k) {
        // Compared as pointers: size() divides by sizeof(Node), which is not a power of two.
        Node* slot = nodes_.data() + used_;
        if (slot == std::to_address(nodes_.end())) [[unlikely]]
            slot = &nodes_.emplace_back();
        Node& n = *slot;
        n.kind = k;
        n.flag = false;
        n.i = 0;
        n.i2 = 0;
        n.f = 0.0;
        // Tested first: clear()'s char store would make the compiler assume any
        // memory changed, and a reused node is mostly empty already.
        if (!n.s.empty()) n.s.clear();
        if (!n.items.empty()) n.items.clear();
        return static_cast<NodeId>(used_++);
    }

    // Builders, for code that makes values rather than decoding them.
    NodeId none() { return alloc(Kind::none); }
    NodeId boolean(bool b) { NodeId id = alloc(Kind::boolean); nodes_[id].flag = b; return id; }
    NodeId integer(std::int64_t v) { NodeId id = alloc(Kind::integer); nodes_[id].i = v; return id; }
    NodeId floating(double v) { NodeId id = alloc(Kind::floating); nodes_[id].f = v; return id; }
    NodeId text(Kind k, std::string_view s) { NodeId id = alloc(k); nodes_[id].s.append(s); return id; }
    NodeId str(std::string_view s) { return text(Kind::str, s); }
    NodeId bytes(std::string_view s) { return text(Kind::bytes, s); }
    NodeId blob(std::string_view s) { return text(Kind::blob, s); }
    NodeId secret(std::string_view s) { return text(Kind::secret, s); }
    NodeId call_error(std::string_view s) { return text(Kind::call_error, s); }
    // A decimal integer of any size: Kind::integer when it fits int64, else big_integer.
    NodeId integer_text(std::string_view decimal);
    NodeId seq(Kind k, std::initializer_list<NodeId> items) { return seq(k, std::vector<NodeId>(items)); }
    NodeId seq(Kind k, std::vector<NodeId> items) { NodeId id = alloc(k); nodes_[id].items = std::move(items); return id; }
    NodeId tuple(std::initializer_list<NodeId> items) { return seq(Kind::tuple, items); }
    NodeId list(std::initializer_list<NodeId> items) { return seq(Kind::list, items); }
    NodeId context(std::int64_t id, const std::string* name) {
        NodeId n = alloc(Kind::context);
        nodes_[n].i = id;
        if (name) { nodes_[n].flag = true; nodes_[n].s = *name; }
        return n;
    }
    NodeId sender(std::int64_t ctx, std::int64_t h) {
        NodeId n = alloc(Kind::sender);
        nodes_[n].i = ctx;
        nodes_[n].i2 = h;
        return n;
    }

    // The decoder's working storage, kept with the Document so decoding into a
    // reused Document reuses it too. Not for other callers.
    detail::DecodeScratch& decode_scratch() { return scratch_.get(); }

private:
    std::vector<Node> nodes_;
    std::size_t used_ = 0;
    std::vector<NodeId> roots_;
    detail::ScratchBox scratch_;
};

} // namespace mitokit::pickle
