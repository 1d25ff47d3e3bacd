// The value model of mitogen pickles: exactly the values mitogen's restricted
// unpickler can produce (value-json.md). Values live in a Document, an arena of
// nodes addressed by index; a memo reference in a pickle makes two parents share
// one node, so a Document is a DAG. Documents are cheap to move, and the decoder
// reuses one Document's storage across calls (clear()) to avoid allocation.
#pragma once

#include <cstdint>
#include <initializer_list>
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
    str,         // Node::s, UTF-8 (lone surrogates encoded WTF-8 style, as CPython's surrogatepass)
    bytes,       // Node::s, raw bytes
    tuple,       // Node::items
    list,        // Node::items
    dict,        // Node::items: key0, value0, key1, value1, ... in insertion order
    kwargs,      // mitogen.core.Kwargs, like dict
    blob,        // mitogen.core.Blob: Node::s raw bytes
    secret,      // mitogen.core.Secret: Node::s UTF-8
    call_error,  // mitogen.core.CallError: Node::s UTF-8 message
    context,     // mitogen.core.Context: Node::i id, Node::s name, Node::flag = has name
    sender,      // mitogen.core.Sender: Node::i context id, Node::i2 handle
};

const char* kind_name(Kind k) noexcept;

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
    std::size_t size() const noexcept { return nodes_.size(); }

    // Top-level values in order: one per pickle in the payload (0.3.39+ may carry several).
    std::span<const NodeId> roots() const noexcept { return roots_; }
    void add_root(NodeId id) { roots_.push_back(id); }
    NodeId root() const { return roots_.at(0); }

    void clear() { nodes_.clear(); roots_.clear(); }
    void reserve(std::size_t n) { nodes_.reserve(n); }

    NodeId add(Node n) {
        nodes_.push_back(std::move(n));
        return static_cast<NodeId>(nodes_.size() - 1);
    }

    // Builders, for code that makes values rather than decoding them.
    NodeId none() { return add(Node{}); }
    NodeId boolean(bool b) { Node n; n.kind = Kind::boolean; n.flag = b; return add(std::move(n)); }
    NodeId integer(std::int64_t v) { Node n; n.kind = Kind::integer; n.i = v; return add(std::move(n)); }
    NodeId floating(double v) { Node n; n.kind = Kind::floating; n.f = v; return add(std::move(n)); }
    NodeId text(Kind k, std::string_view s) { Node n; n.kind = k; n.s = s; return add(std::move(n)); }
    NodeId str(std::string_view s) { return text(Kind::str, s); }
    NodeId bytes(std::string_view s) { return text(Kind::bytes, s); }
    NodeId blob(std::string_view s) { return text(Kind::blob, s); }
    NodeId secret(std::string_view s) { return text(Kind::secret, s); }
    NodeId call_error(std::string_view s) { return text(Kind::call_error, s); }
    NodeId seq(Kind k, std::initializer_list<NodeId> items) { return seq(k, std::vector<NodeId>(items)); }
    NodeId seq(Kind k, std::vector<NodeId> items) { Node n; n.kind = k; n.items = std::move(items); return add(std::move(n)); }
    NodeId tuple(std::initializer_list<NodeId> items) { return seq(Kind::tuple, items); }
    NodeId list(std::initializer_list<NodeId> items) { return seq(Kind::list, items); }
    NodeId context(std::int64_t id, const std::string* name) {
        Node n; n.kind = Kind::context; n.i = id;
        if (name) { n.flag = true; n.s = *name; }
        return add(std::move(n));
    }
    NodeId sender(std::int64_t ctx, std::int64_t h) { Node n; n.kind = Kind::sender; n.i = ctx; n.i2 = h; return add(std::move(n)); }

private:
    std::vector<Node> nodes_;
    std::vector<NodeId> roots_;
};

} // namespace mitokit::pickle
