// The restricted unpickler. It mirrors CPython 3.11's C unpickler (an object
// stack plus a separate mark stack with a fence, one memo shared by every pickle
// of a payload) with mitogen's find_class in place of the default one.
#include "mitokit/pickle/decoder.hpp"

#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "bigint.hpp"
#include "callables.hpp"
#include "decode_scratch.hpp"
#include "opcodes.hpp"
#include "pynumber.hpp"
#include "text.hpp"

namespace mitokit::pickle {
namespace {

using detail::Arg;
using detail::DecodeScratch;
namespace op = detail::op;

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
           static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t le64(const std::uint8_t* p) { return le32(p) | static_cast<std::uint64_t>(le32(p + 4)) << 32; }

// repr() of a text opcode's line for a message. A line that is not UTF-8 has its
// bytes above ASCII escaped, so that every message is valid UTF-8.
std::string py_repr(std::string_view s) {
    const bool sq = s.find('\'') != std::string_view::npos, dq = s.find('"') != std::string_view::npos;
    const char q = sq && !dq ? '"' : '\'';
    std::size_t bad = 0;
    const char* why = nullptr;
    const bool utf8 = detail::utf8_check(s, false, bad, why);
    std::string out(1, q);
    for (unsigned char c : s) {
        if (c == q || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else out.push_back(static_cast<char>(c));
    }
    out.push_back(q);
    return out;
}

// Copies n ids into `to`, which is empty: for the few items of a tuple or a
// call's dict, a reserve and a loop cost less than assign()'s general case and
// its memmove call. The loop's push_back never grows the vector (reserved), and
// the compiler is told so, which leaves it a store and an increment.
[[gnu::always_inline]] inline void fill_ids(std::vector<NodeId>& to, const NodeId* from, std::size_t n) {
    to.reserve(n);
    for (std::size_t j = 0; j < n; ++j) {
        if (to.size() == to.capacity()) __builtin_unreachable();
        to.push_back(from[j]);
    }
}

class Decoder {
public:
    Decoder(std::span<const std::uint8_t> in, Document& doc, const DecodeOptions& opt)
        : in_(in), doc_(doc), opt_(opt), s_(doc.decode_scratch()) {
        const Limits& l = opt.limits;
        std::size_t scaled = 0;
        if (__builtin_mul_overflow(in.size(), l.memory_factor, &scaled) || __builtin_add_overflow(scaled, l.memory_base, &budget_))
            budget_ = SIZE_MAX;
    }

    // first_only: stop after the first pickle's STOP (pos_ is then its end).
    [[gnu::always_inline]] Status run(bool first_only);
    std::size_t consumed() const noexcept { return pos_; }
    [[gnu::always_inline]] bool hot();
    bool hot_loop(std::size_t& pos);
    Error err_{Errc::bad_value, {}, 0};

private:
    // --- errors -------------------------------------------------------------
    // Internal steps return false after storing the error here: no Result is
    // built on the hot path.
    [[gnu::cold, gnu::noinline]] bool fail(Errc c, std::string what) {
        const char* name = detail::op_info(code_).name;
        err_ = make_error(c, std::move(what) + " (" + (name ? name : "opcode") + " at offset " + std::to_string(at_) + ")", at_);
        return false;
    }
    [[gnu::cold, gnu::noinline]] bool truncated() { return fail(Errc::truncated, "pickle data was truncated"); }
    [[gnu::cold, gnu::noinline]] bool underflow() {
        return fail(Errc::bad_value, s_.marks.empty() ? "unpickling stack underflow" : "unexpected MARK found");
    }
    [[gnu::cold, gnu::noinline]] bool wrap(Error e) {
        const char* name = detail::op_info(code_).name;
        e.message += std::string(" (") + (name ? name : "opcode") + " at offset " + std::to_string(at_) + ")";
        e.offset = at_;
        err_ = std::move(e);
        return false;
    }

    // --- reading ------------------------------------------------------------
    bool need(std::size_t n) const { return in_.size() - pos_ >= n; }
    const std::uint8_t* take(std::size_t n) {
        const std::uint8_t* p = in_.data() + pos_;
        pos_ += n;
        return p;
    }
    // A line without its newline; false if there is no newline.
    bool line(std::string_view& out) {
        const void* nl = std::memchr(in_.data() + pos_, '\n', in_.size() - pos_);
        if (!nl) return false;
        const auto end = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - in_.data());
        out = std::string_view(reinterpret_cast<const char*>(in_.data() + pos_), end - pos_);
        pos_ = end + 1;
        return true;
    }
    std::string_view view(const std::uint8_t* p, std::size_t n) const { return {reinterpret_cast<const char*>(p), n}; }

    // --- budget and nodes ---------------------------------------------------
    [[gnu::cold, gnu::noinline]] bool over_budget() {
        return fail(Errc::limit, "decoded data exceeds the memory limit (" + std::to_string(opt_.limits.memory_factor) +
                                     " x input + " + std::to_string(opt_.limits.memory_base) + " bytes)");
    }
    [[gnu::cold, gnu::noinline]] bool too_many_nodes() {
        return fail(Errc::limit, "value has more than max_nodes=" + std::to_string(opt_.limits.max_nodes) + " nodes");
    }
    bool charge(std::size_t bytes) {
        if (bytes > budget_) [[unlikely]]
            return over_budget();
        budget_ -= bytes;
        return true;
    }
    [[gnu::always_inline]] bool node(Kind k, NodeId& out) {
        if (doc_.size() >= opt_.limits.max_nodes || sizeof(Node) > budget_) [[unlikely]]
            return doc_.size() >= opt_.limits.max_nodes ? too_many_nodes() : over_budget();
        budget_ -= sizeof(Node);
        out = doc_.alloc(k);
        return true;
    }
    // A container's nesting depth lives in its Node::i (unused otherwise).
    static bool is_container(Kind k) {
        constexpr std::uint32_t mask = 1u << static_cast<unsigned>(Kind::tuple) | 1u << static_cast<unsigned>(Kind::list) |
                                       1u << static_cast<unsigned>(Kind::dict) | 1u << static_cast<unsigned>(Kind::kwargs) |
                                       1u << static_cast<unsigned>(Kind::set) | 1u << static_cast<unsigned>(Kind::frozenset);
        return (mask >> static_cast<unsigned>(k)) & 1u;
    }
    std::uint32_t depth_of(NodeId id) const {
        const Node& n = doc_[id];
        return is_container(n.kind) ? static_cast<std::uint32_t>(n.i) : 0;
    }
    [[gnu::cold, gnu::noinline]] bool depth_exceeded() {
        return fail(Errc::limit, "containers nest deeper than max_depth=" + std::to_string(opt_.limits.max_depth));
    }
    [[gnu::cold, gnu::noinline]] bool memo_limit() {
        return fail(Errc::limit, "memo holds more than max_memo=" + std::to_string(opt_.limits.max_memo) + " entries");
    }
    [[gnu::cold, gnu::noinline]] bool memo_missing(std::uint64_t idx) {
        return fail(Errc::bad_value, "Memo value not found at index " + std::to_string(idx));
    }
    bool set_depth(NodeId container, std::uint32_t d) {
        if (d > opt_.limits.max_depth) [[unlikely]]
            return depth_exceeded();
        Node& n = doc_[container];
        if (d > n.i) n.i = d;
        return true;
    }
    bool child_added(NodeId container, NodeId child) { return set_depth(container, depth_of(child) + 1); }

    // --- stack --------------------------------------------------------------
    // The stack height at the innermost MARK (0 without one), kept in step with s_.marks.
    std::size_t fence() const { return fence_; }
    [[gnu::always_inline]] void push_mark() {
        s_.marks.push_back(static_cast<std::uint32_t>(s_.stack.size()));
        fence_ = s_.stack.size();
    }
    void pop_mark() {
        s_.marks.pop_back();
        fence_ = s_.marks.empty() ? 0 : s_.marks.back();
    }
    void push(NodeId id) { s_.stack.push_back(id); }
    bool pop(NodeId& out) {
        if (s_.stack.size() <= fence()) return underflow();
        out = s_.stack.back();
        s_.stack.pop_back();
        return true;
    }
    bool marker(std::size_t& out) {
        if (s_.marks.empty()) return fail(Errc::bad_value, "could not find MARK");
        out = s_.marks.back();
        pop_mark();
        return true;
    }

    // --- memo ---------------------------------------------------------------
    // Dense memo entries are (generation << 32 | node): bumping the generation
    // empties the memo without touching it.
    bool memo_put(std::uint64_t idx) {
        if (s_.stack.size() <= fence()) [[unlikely]]
            return underflow();
        const NodeId v = s_.stack.back();
        if (idx >= s_.memo.size()) [[unlikely]]
            return memo_insert(idx, v);
        const bool fresh = (s_.memo[idx] >> 32) != s_.generation;
        s_.memo[idx] = static_cast<std::uint64_t>(s_.generation) << 32 | v;
        return !fresh || counted();
    }
    bool counted() {
        if (++s_.memo_count > opt_.limits.max_memo) [[unlikely]]
            return memo_limit();
        return charge(sizeof(NodeId) * 2);
    }
    // An index past the dense memo: grow it, or keep a far index in the sparse map.
    [[gnu::noinline]] bool memo_insert(std::uint64_t idx, NodeId v) {
        if (idx < 65536 || idx < 2 * s_.memo_count + 1024) {
            s_.memo.resize(static_cast<std::size_t>(idx) + 16 + s_.memo.size() / 2, 0);
            s_.memo[idx] = static_cast<std::uint64_t>(s_.generation) << 32 | v;
            return counted();
        }
        return !s_.memo_sparse.insert_or_assign(idx, v).second || counted();
    }
    bool memo_get(std::uint64_t idx) {
        NodeId v = NO_NODE;
        if (idx < s_.memo.size()) {
            if ((s_.memo[idx] >> 32) == s_.generation) v = static_cast<NodeId>(s_.memo[idx]);
        } else if (auto it = s_.memo_sparse.find(idx); it != s_.memo_sparse.end()) {
            v = it->second;
        }
        if (v == NO_NODE) [[unlikely]]
            return memo_missing(idx);
        push(v);
        return true;
    }

    // --- opcode groups ------------------------------------------------------
    [[gnu::always_inline]] bool leaf_text(Kind k, std::string_view data);
    [[gnu::always_inline]] bool op_str(std::string_view data);
    bool op_int_text(bool long_form, std::string_view text);
    bool op_long_binary(std::span<const std::uint8_t> le);
    [[gnu::always_inline]] bool op_global(Callable c);
    bool op_global_names(std::string_view module, std::string_view name);
    bool op_reduce();
    [[gnu::always_inline]] bool kwargs_of_dict(NodeId src, bool& ok);
    bool op_build();
    bool op_newobj(bool ex);
    bool op_inst(std::size_t mark, std::string_view module, std::string_view name);
    bool op_obj();
    bool make_seq(Kind k, std::size_t from);
    bool op_append(std::size_t x);
    bool op_setitems(std::size_t x);
    static constexpr std::size_t MAX_FRESH_PAIRS = 7; // below KeyIndex's linear-scan limit
    bool fresh_text_keys(NodeId target, std::size_t x, std::size_t len);
    bool op_additems(std::size_t x);
    bool set_item(NodeId target, NodeId key, NodeId value);
    [[gnu::always_inline]] bool dict_item(NodeId target, NodeId key, NodeId value);
    bool op_readonly_buffer();
    bool step();
    // BINPUT's memo update for the stack's top, given its entry and the
    // generation (the caller has tested the index and the stack); false, with
    // nothing changed, where a limit must be reported by memo_put().
    [[gnu::always_inline]] bool put_top(std::uint64_t& entry, std::uint64_t gen) {
        if ((entry & ~std::uint64_t{0xffffffff}) != gen) {
            if (s_.memo_count + 1 > opt_.limits.max_memo || budget_ < 2 * sizeof(NodeId)) return false;
            ++s_.memo_count;
            budget_ -= 2 * sizeof(NodeId);
        }
        entry = gen | s_.stack.back();
        return true;
    }
    detail::CallEnv env() { return detail::CallEnv{doc_, s_.keys, budget_, &s_.patched}; }
    bool after_call(Result<NodeId> r);
    bool placed(NodeId r);

    std::span<const std::uint8_t> in_;
    Document& doc_;
    const DecodeOptions& opt_;
    DecodeScratch& s_;
    std::size_t budget_ = 0;
    std::size_t pos_ = 0;
    std::size_t fence_ = 0;
    std::size_t at_ = 0;      // offset of the current opcode
    std::uint8_t code_ = 0;   // the current opcode
    bool stopped_ = false;
};

inline bool Decoder::leaf_text(Kind k, std::string_view data) {
    // charge(data) then node(): one test for both on the usual path; the slow
    // path takes them in turn for their errors.
    if (doc_.size() >= opt_.limits.max_nodes || data.size() + sizeof(Node) > budget_) [[unlikely]] {
        if (!charge(data.size())) return false;
        NodeId unused = NO_NODE;
        return node(k, unused);
    }
    budget_ -= data.size() + sizeof(Node);
    const NodeId id = doc_.alloc(k);
    doc_[id].s.append(data); // alloc() emptied it; append skips assign's general replace
    push(id);
    return true;
}

inline bool Decoder::op_str(std::string_view data) {
    if (!detail::short_ascii(data)) {
        std::size_t bad = 0;
        const char* why = nullptr;
        if (!detail::utf8_check(data, true, bad, why)) return fail(Errc::bad_value, detail::utf8_error(data, true));
    }
    return leaf_text(Kind::str, data);
}

bool Decoder::op_int_text(bool long_form, std::string_view text) {
    detail::IntText v;
    detail::ParseInt r;
    bool is_bool = false;
    if (long_form) {
        if (!text.empty() && text.back() == 'L') text.remove_suffix(1);
        text = text.substr(0, text.find('\0'));
        r = detail::parse_int(text, 0, v);
    } else {
        r = detail::parse_int_opcode(text, v, is_bool);
    }
    if (r == detail::ParseInt::too_many_digits)
        return fail(Errc::limit, "Exceeds the limit (4300 digits) for integer string conversion");
    if (r != detail::ParseInt::ok)
        return fail(Errc::bad_value, long_form ? "invalid literal for int() with base 0: " + py_repr(text) : "could not convert string to int");
    NodeId id = NO_NODE;
    if (!node(is_bool ? Kind::boolean : v.big ? Kind::big_integer : Kind::integer, id)) return false;
    Node& n = doc_[id];
    if (is_bool) n.flag = v.small == 1;
    else if (v.big) n.s = std::move(v.decimal);
    else n.i = v.small;
    push(id);
    return true;
}

bool Decoder::op_long_binary(std::span<const std::uint8_t> le) {
    // Longer than 8 bytes but only sign extension past the 8th: still an int64.
    if (le.size() > 8) {
        const std::uint8_t ext = (le[7] & 0x80) ? 0xff : 0;
        std::size_t k = 8;
        while (k < le.size() && le[k] == ext) ++k;
        if (k == le.size()) le = le.first(8);
    }
    if (le.size() <= 8) {
        std::uint64_t u = 0;
        for (std::size_t k = 0; k < le.size(); ++k) u |= static_cast<std::uint64_t>(le[k]) << (8 * k);
        if (!le.empty() && le.size() < 8 && (le.back() & 0x80)) u |= ~std::uint64_t{0} << (8 * le.size());
        NodeId id = NO_NODE;
        if (!node(Kind::integer, id)) return false;
        doc_[id].i = static_cast<std::int64_t>(u);
        push(id);
        return true;
    }
    std::string& dec = s_.text; // reused: no allocation per big integer
    if (!detail::le_to_decimal(le, dec))
        return fail(Errc::limit, "integer of " + std::to_string(le.size()) + " bytes exceeds the limit (4300 digits) for integer string conversion");
    NodeId id = NO_NODE;
    if (!node(Kind::big_integer, id)) return false;
    if (!charge(dec.size())) return false;
    doc_[id].s.assign(dec);
    push(id);
    return true;
}

inline bool Decoder::op_global(Callable c) {
    NodeId id = NO_NODE;
    if (!node(Kind::global, id)) return false;
    doc_[id].i = static_cast<std::int64_t>(c);
    push(id);
    return true;
}

bool Decoder::op_global_names(std::string_view module, std::string_view name) {
    Callable c{};
    if (!detail::find_global(module, name, c))
        return fail(Errc::refused_global, "cannot unpickle " + py_repr(module) + "/" + py_repr(name));
    return op_global(c);
}

bool Decoder::after_call(Result<NodeId> r) {
    if (!r) return wrap(std::move(r).error());
    return placed(*r);
}

// A call's result onto the stack, its depth set and its node charged.
bool Decoder::placed(NodeId r) {
    push(r);
    const Node& n = doc_[r];
    if (n.kind == Kind::kwargs && !n.items.empty()) {
        // A Kwargs is one deeper than its deepest key or value: one test where a
        // child_added() per item would give the same error at the same opcode.
        std::uint32_t d = 0;
        for (NodeId c : n.items) d = std::max(d, depth_of(c));
        if (!set_depth(r, d + 1)) return false;
    }
    return charge(sizeof(Node) + doc_[r].s.size());
}

bool Decoder::op_reduce() {
    NodeId args = NO_NODE;
    if (!pop(args)) return false;
    if (s_.stack.size() <= fence()) return underflow();
    const NodeId callable = s_.stack.back(); // popped below, or replaced by kwargs_of_dict()
    if (doc_[args].kind != Kind::tuple) return fail(Errc::bad_argument, "argument list must be a tuple");
    if (doc_[callable].kind != Kind::global)
        return fail(Errc::bad_argument, std::string("'") + python_type_name(doc_[callable].kind, doc_[callable].i) + "' object is not callable");
    // The tuple's own items: a tuple never changes, and a call that adds nodes
    // moves Node objects but not their item buffers.
    const std::vector<NodeId>& items = doc_[args].items;
    const auto c = static_cast<Callable>(doc_[callable].i);
    if (c == Callable::kwargs && items.size() == 1) {
        if (bool ok = false; kwargs_of_dict(items[0], ok)) return ok;
    }
    s_.stack.pop_back();
    if (NodeId out = NO_NODE; c == Callable::kwargs && detail::plain_kwargs(doc_, {items.data(), items.size()}, out))
        return placed(out);
    auto e = env();
    return after_call(detail::call(e, c, {items.data(), items.size()}));
}

// Kwargs(d) of a dict without bytes keys, the REDUCE of every call: what
// plain_kwargs() and then placed() do, with one pass over the items for both the
// keys' test and the depth. False (nothing done) where they must do it instead;
// else true with `ok` as placed() would return it. The Kwargs takes the
// callable's place on the stack: op_reduce() leaves it there for this.
inline bool Decoder::kwargs_of_dict(NodeId src, bool& ok) {
    const Node& d = doc_[src];
    if (d.kind != Kind::dict && d.kind != Kind::kwargs) return false;
    const std::size_t m = d.items.size();
    if (m % 2 != 0) return false; // never for a dict; placed() would count the odd one's depth
    // The item buffer stays put when alloc() moves the nodes.
    const NodeId* const from = d.items.data();
    std::uint32_t depth = 0;
    for (std::size_t k = 0; k < m; k += 2) {
        if (doc_[from[k]].kind == Kind::bytes) return false;
        depth = std::max(depth, std::max(depth_of(from[k]), depth_of(from[k + 1])));
    }
    const NodeId out = doc_.alloc(Kind::kwargs);
    fill_ids(doc_[out].items, from, m); // alloc() left it empty
    s_.stack.back() = out;
    ok = (m == 0 || set_depth(out, depth + 1)) && charge(sizeof(Node));
    return true;
}

bool Decoder::op_build() {
    NodeId state = NO_NODE;
    if (!pop(state)) return false;
    if (s_.stack.size() <= fence()) return underflow();
    auto e = env();
    if (auto st = detail::build(e, s_.stack.back(), state); !st) return wrap(std::move(st).error());
    return true;
}

bool Decoder::op_newobj(bool ex) {
    NodeId kwargs = NO_NODE;
    if (ex) {
        NodeId k = NO_NODE;
        if (!pop(k)) return false;
        kwargs = k;
    }
    NodeId args = NO_NODE;
    if (!pop(args)) return false;
    NodeId cls = NO_NODE;
    if (!pop(cls)) return false;
    const char* name = ex ? "NEWOBJ_EX" : "NEWOBJ";
    const Node& c = doc_[cls];
    if (c.kind != Kind::global)
        return fail(Errc::bad_value, std::string(name) + " class argument must be a type, not " + python_type_name(c.kind, c.i));
    const auto callable = static_cast<Callable>(c.i);
    const bool is_type = callable == Callable::blob || callable == Callable::secret || callable == Callable::kwargs || callable == Callable::bytes;
    if (!is_type)
        return fail(Errc::bad_value, std::string(name) + " class argument must be a type, not " + python_type_name(Kind::global, c.i));
    if (doc_[args].kind != Kind::tuple)
        return fail(Errc::bad_value, std::string(name) + " args argument must be a tuple, not " + python_type_name(doc_[args].kind, doc_[args].i));
    if (ex && doc_[kwargs].kind != Kind::dict && doc_[kwargs].kind != Kind::kwargs)
        return fail(Errc::bad_value, std::string(name) + " kwargs argument must be a dict, not " + python_type_name(doc_[kwargs].kind, doc_[kwargs].i));
    const std::vector<NodeId>& items = doc_[args].items; // as in op_reduce
    auto e = env();
    return after_call(detail::new_object(e, callable, {items.data(), items.size()}, kwargs, name));
}

bool Decoder::op_inst(std::size_t mark, std::string_view module, std::string_view name) {
    Callable c{};
    if (!detail::find_global(module, name, c))
        return fail(Errc::refused_global, "cannot unpickle " + py_repr(module) + "/" + py_repr(name));
    s_.args.assign(s_.stack.begin() + static_cast<std::ptrdiff_t>(mark), s_.stack.end());
    s_.stack.resize(mark);
    auto e = env();
    return after_call(detail::instantiate(e, c, s_.args));
}

bool Decoder::op_obj() {
    std::size_t m = 0;
    if (!marker(m)) return false;
    if (s_.stack.size() < m + 1) return underflow();
    const NodeId cls = s_.stack[m];
    s_.args.assign(s_.stack.begin() + static_cast<std::ptrdiff_t>(m) + 1, s_.stack.end());
    s_.stack.resize(m);
    if (doc_[cls].kind != Kind::global)
        return fail(Errc::bad_argument, std::string("'") + python_type_name(doc_[cls].kind, doc_[cls].i) + "' object is not callable");
    auto e = env();
    return after_call(detail::instantiate(e, static_cast<Callable>(doc_[cls].i), s_.args));
}

bool Decoder::make_seq(Kind k, std::size_t from) {
    const std::size_t n = s_.stack.size() - from;
    if (k == Kind::frozenset) {
        if (!charge(n * sizeof(NodeId))) return false;
        NodeId id = NO_NODE;
        if (!node(k, id)) return false;
        std::uint32_t d = 0;
        for (std::size_t j = from; j < s_.stack.size(); ++j) {
            if (const char* t = detail::unhashable_type(doc_, s_.stack[j]))
                return fail(Errc::bad_value, std::string("unhashable type: '") + t + "'");
            s_.keys.add_member(doc_, id, s_.stack[j]);
            d = std::max(d, depth_of(s_.stack[j]));
        }
        s_.stack.resize(from);
        if (!set_depth(id, d + 1)) return false;
        push(id);
        return true;
    }
    // charge() then node(): one test for both on the usual path, as in leaf_text().
    if (doc_.size() >= opt_.limits.max_nodes || n * sizeof(NodeId) + sizeof(Node) > budget_) [[unlikely]] {
        if (!charge(n * sizeof(NodeId))) return false;
        NodeId unused = NO_NODE;
        return node(k, unused);
    }
    const NodeId* const src = s_.stack.data() + from;
    std::uint32_t d = 0;
    for (std::size_t j = 0; j < n; ++j) d = std::max(d, depth_of(src[j]));
    if (d + 1 > opt_.limits.max_depth) [[unlikely]]
        return depth_exceeded(); // after the limits above, as set_depth() after charge() and node()
    budget_ -= n * sizeof(NodeId) + sizeof(Node);
    const NodeId id = doc_.alloc(k);
    Node& seq = doc_[id];
    seq.i = d + 1; // alloc() zeroed it
    fill_ids(seq.items, src, n); // alloc() left items empty
    // The sequence takes its first item's slot (n == 0 grows the stack by one).
    s_.stack.resize(from + 1);
    s_.stack[from] = id;
    return true;
}

bool Decoder::op_append(std::size_t x) {
    const std::size_t len = s_.stack.size();
    if (x > len || x <= fence()) return underflow();
    if (len == x) return true;
    const NodeId target = s_.stack[x - 1];
    Node& t = doc_[target];
    if (t.kind == Kind::list) {
        if (!charge((len - x) * sizeof(NodeId))) return false;
        std::uint32_t d = 0;
        for (std::size_t j = x; j < len; ++j) d = std::max(d, depth_of(s_.stack[j]));
        t.items.insert(t.items.end(), s_.stack.begin() + static_cast<std::ptrdiff_t>(x), s_.stack.end());
        s_.stack.resize(x);
        return set_depth(target, d + 1);
    }
    if (t.kind == Kind::bytearray) { // bytearray.extend(list of ints)
        for (std::size_t j = x; j < len; ++j) {
            const Node& e = doc_[s_.stack[j]];
            if (e.kind != Kind::integer && e.kind != Kind::boolean)
                return fail(Errc::bad_argument, std::string("'") + python_type_name(e.kind, e.i) + "' object cannot be interpreted as an integer");
            const std::int64_t v = e.kind == Kind::boolean ? e.flag : e.i;
            if (v < 0 || v > 255) return fail(Errc::bad_argument, "byte must be in range(0, 256)");
            doc_[target].s.push_back(static_cast<char>(v));
        }
        s_.stack.resize(x);
        return charge(len - x);
    }
    return fail(Errc::bad_value, std::string("'") + python_type_name(t.kind, t.i) + "' object has no attribute 'append'");
}

// d[key] = value on a dict or Kwargs node.
inline bool Decoder::dict_item(NodeId target, NodeId key, NodeId value) {
    if (const char* ty = detail::unhashable_type(doc_, key))
        return fail(Errc::bad_value, std::string("unhashable type: '") + ty + "'");
    if (!charge(2 * sizeof(NodeId))) return false;
    s_.keys.set_item(doc_, target, key, value);
    return set_depth(target, std::max(depth_of(key), depth_of(value)) + 1);
}

bool Decoder::set_item(NodeId target, NodeId key, NodeId value) {
    Node& t = doc_[target];
    switch (t.kind) {
    case Kind::dict:
    case Kind::kwargs: return dict_item(target, key, value);
    case Kind::list:
    case Kind::bytearray: {
        const Node& k = doc_[key];
        const std::size_t size = t.kind == Kind::list ? t.items.size() : t.s.size();
        const char* what = t.kind == Kind::list ? "list" : "bytearray";
        if (k.kind == Kind::big_integer) return fail(Errc::bad_argument, "cannot fit 'int' into an index-sized integer");
        if (k.kind != Kind::integer && k.kind != Kind::boolean)
            return fail(Errc::bad_argument, std::string(what) + " indices must be integers or slices, not " + python_type_name(k.kind, k.i));
        std::int64_t i = k.kind == Kind::boolean ? k.flag : k.i;
        if (i < 0) i += static_cast<std::int64_t>(size);
        if (i < 0 || static_cast<std::size_t>(i) >= size)
            return fail(Errc::bad_argument, std::string(what) + (t.kind == Kind::list ? " assignment index out of range" : " index out of range"));
        if (t.kind == Kind::list) {
            t.items[static_cast<std::size_t>(i)] = value;
            return set_depth(target, depth_of(value) + 1);
        }
        const Node& v = doc_[value];
        if (v.kind != Kind::integer && v.kind != Kind::boolean)
            return fail(Errc::bad_argument, std::string("'") + python_type_name(v.kind, v.i) + "' object cannot be interpreted as an integer");
        const std::int64_t b = v.kind == Kind::boolean ? v.flag : v.i;
        if (b < 0 || b > 255) return fail(Errc::bad_argument, "byte must be in range(0, 256)");
        doc_[target].s[static_cast<std::size_t>(i)] = static_cast<char>(b);
        return true;
    }
    case Kind::memoryview: return fail(Errc::bad_argument, "cannot modify read-only memory");
    default:
        return fail(Errc::bad_argument, std::string("'") + python_type_name(t.kind, t.i) + "' object does not support item assignment");
    }
}

bool Decoder::op_setitems(std::size_t x) {
    const std::size_t len = s_.stack.size();
    if (x > len || x <= fence()) return underflow();
    if (len == x) return true;
    if ((len - x) % 2 != 0) return fail(Errc::bad_value, "odd number of items for SETITEMS");
    const NodeId target = s_.stack[x - 1];
    if (const Kind k = doc_[target].kind; k == Kind::dict || k == Kind::kwargs) {
        if (fresh_text_keys(target, x, len)) return true;
        // The usual target: no switch on its kind per pair.
        for (std::size_t j = x + 1; j < len; j += 2)
            if (!dict_item(target, s_.stack[j - 1], s_.stack[j])) return false;
    } else {
        for (std::size_t j = x + 1; j < len; j += 2)
            if (!set_item(target, s_.stack[j - 1], s_.stack[j])) return false;
    }
    s_.stack.resize(x);
    return true;
}

// The usual SETITEMS (keyword arguments, a reply's dict): a few distinct str keys
// into an empty dict. Where every test passes, dict_item() per pair would end
// with the same items and depth and no error; else nothing has changed and the
// caller takes the pairs one by one, for their errors in order.
bool Decoder::fresh_text_keys(NodeId target, std::size_t x, std::size_t len) {
    const std::size_t pairs = (len - x) / 2;
    if (!doc_[target].items.empty() || pairs > MAX_FRESH_PAIRS) return false;
    if (pairs * 2 * sizeof(NodeId) > budget_) return false;
    const NodeId* const src = s_.stack.data() + x;
    // Pointers, not string_views: an array of views would be zeroed on every call.
    const std::string* keys[MAX_FRESH_PAIRS];
    std::uint32_t d = 0;
    for (std::size_t p = 0; p < pairs; ++p) {
        const Node& key = doc_[src[2 * p]];
        if (key.kind != Kind::str) return false;
        const std::string& k = key.s;
        for (std::size_t q = 0; q < p; ++q)
            if (keys[q]->size() == k.size() && std::memcmp(keys[q]->data(), k.data(), k.size()) == 0) return false;
        keys[p] = &k;
        const NodeId value = src[2 * p + 1];
        if (value == target) return false; // each pair deepens it: the slow loop counts that
        d = std::max(d, depth_of(value));
    }
    if (d + 1 > opt_.limits.max_depth) return false;
    budget_ -= pairs * 2 * sizeof(NodeId);
    Node& t = doc_[target];
    fill_ids(t.items, src, 2 * pairs);
    if (d + 1 > t.i) t.i = d + 1;
    s_.stack.resize(x);
    return true;
}

bool Decoder::op_additems(std::size_t x) {
    const std::size_t len = s_.stack.size();
    if (x > len || x <= fence()) return underflow();
    if (len == x) return true;
    const NodeId target = s_.stack[x - 1];
    if (doc_[target].kind != Kind::set)
        return fail(Errc::bad_value, std::string("'") + python_type_name(doc_[target].kind, doc_[target].i) + "' object has no attribute 'add'");
    if (!charge((len - x) * sizeof(NodeId))) return false;
    for (std::size_t j = x; j < len; ++j) {
        if (const char* t = detail::unhashable_type(doc_, s_.stack[j]))
            return fail(Errc::bad_value, std::string("unhashable type: '") + t + "'");
        s_.keys.add_member(doc_, target, s_.stack[j]);
        if (!child_added(target, s_.stack[j])) return false;
    }
    s_.stack.resize(x);
    return true;
}

bool Decoder::op_readonly_buffer() {
    if (s_.stack.size() <= fence()) return underflow();
    const NodeId top = s_.stack.back();
    const Node& n = doc_[top];
    if (n.kind == Kind::bytes || n.kind == Kind::blob || n.kind == Kind::memoryview) return true; // already read-only
    if (n.kind != Kind::bytearray)
        return fail(Errc::bad_argument, std::string("memoryview: a bytes-like object is required, not '") + python_type_name(n.kind, n.i) + "'");
    NodeId id = NO_NODE;
    if (!node(Kind::memoryview, id)) return false;
    const std::string data = doc_[top].s;
    if (!charge(data.size())) return false;
    doc_[id].s = data;
    s_.stack.back() = id;
    return true;
}

bool Decoder::step() {
    at_ = pos_;
    if (!need(1)) {
        code_ = 0;
        err_ = make_error(Errc::truncated, "pickle data was truncated: no STOP before the end of the input at offset " + std::to_string(at_), at_);
        return false;
    }
    code_ = in_[pos_++];
    switch (code_) {
    case op::MARK:
        if (s_.marks.size() >= opt_.limits.max_depth)
            return fail(Errc::limit, "MARKs nest deeper than max_depth=" + std::to_string(opt_.limits.max_depth));
        push_mark();
        return true;
    case op::STOP: {
        NodeId v = NO_NODE;
        if (!pop(v)) return false;
        doc_.add_root(v);
        stopped_ = true;
        return true;
    }
    case op::POP:
        if (!s_.marks.empty() && s_.marks.back() == s_.stack.size()) {
            pop_mark();
            return true;
        }
        if (s_.stack.size() <= fence()) return underflow();
        s_.stack.pop_back();
        return true;
    case op::POP_MARK: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        s_.stack.resize(m);
        return true;
    }
    case op::DUP:
        if (s_.stack.size() <= fence()) return underflow();
        push(s_.stack.back());
        return true;
    case op::FLOAT: {
        std::string_view t;
        if (!line(t)) return truncated();
        t = t.substr(0, t.find('\0'));
        double v = 0;
        const auto r = detail::parse_float(t, v);
        if (r == detail::ParseFloat::overflow) return fail(Errc::bad_value, "value too large to convert to float: " + py_repr(t));
        if (r != detail::ParseFloat::ok) return fail(Errc::bad_value, "could not convert string to float: " + py_repr(t));
        NodeId id = NO_NODE;
        if (!node(Kind::floating, id)) return false;
        doc_[id].f = v;
        push(id);
        return true;
    }
    case op::INT:
    case op::LONG: {
        std::string_view t;
        if (!line(t)) return truncated();
        if (code_ == op::INT && t.empty()) return truncated();
        return op_int_text(code_ == op::LONG, t);
    }
    case op::BININT:
    case op::BININT1:
    case op::BININT2: {
        const std::size_t n = code_ == op::BININT ? 4 : code_ == op::BININT1 ? 1 : 2;
        if (!need(n)) return truncated();
        const std::uint8_t* p = take(n);
        std::int64_t v = n == 4 ? static_cast<std::int32_t>(le32(p)) : n == 1 ? p[0] : (p[0] | p[1] << 8);
        NodeId id = NO_NODE;
        if (!node(Kind::integer, id)) return false;
        doc_[id].i = v;
        push(id);
        return true;
    }
    case op::LONG1:
    case op::LONG4: {
        std::size_t n;
        if (code_ == op::LONG1) {
            if (!need(1)) return truncated();
            n = *take(1);
        } else {
            if (!need(4)) return truncated();
            const auto sz = static_cast<std::int32_t>(le32(take(4)));
            if (sz < 0) return fail(Errc::bad_value, "LONG pickle has negative byte count");
            n = static_cast<std::size_t>(sz);
        }
        if (!need(n)) return truncated();
        return op_long_binary({take(n), n});
    }
    case op::NONE:
    case op::NEWTRUE:
    case op::NEWFALSE: {
        NodeId id = NO_NODE;
        if (!node(code_ == op::NONE ? Kind::none : Kind::boolean, id)) return false;
        doc_[id].flag = code_ == op::NEWTRUE;
        push(id);
        return true;
    }
    case op::PERSID: {
        std::string_view t;
        if (!line(t)) return truncated();
        [[fallthrough]];
    }
    case op::BINPERSID:
        return fail(Errc::bad_opcode, "A load persistent id instruction was encountered, but no persistent_load function was specified.");
    case op::REDUCE: return op_reduce();
    case op::STRING: {
        std::string_view t;
        if (!line(t)) return truncated();
        if (t.size() < 2 || t.front() != t.back() || (t.front() != '\'' && t.front() != '"'))
            return fail(Errc::bad_value, "the STRING opcode argument must be quoted");
        std::string err;
        if (!detail::bytes_escape_decode(t.substr(1, t.size() - 2), s_.text, err)) return fail(Errc::bad_value, err);
        return leaf_text(Kind::bytes, s_.text);
    }
    case op::UNICODE: {
        std::string_view t;
        if (!line(t)) return truncated();
        std::string err;
        if (!detail::raw_unicode_escape_decode(t, s_.text, err))
            return fail(Errc::bad_value, "'rawunicodeescape' codec can't decode bytes: " + err);
        return leaf_text(Kind::str, s_.text);
    }
    case op::BINSTRING:
    case op::SHORT_BINSTRING:
    case op::BINBYTES:
    case op::SHORT_BINBYTES:
    case op::BINUNICODE:
    case op::SHORT_BINUNICODE:
    case op::BINUNICODE8:
    case op::BINBYTES8:
    case op::BYTEARRAY8: {
        const Arg a = detail::op_info(code_).arg;
        const std::size_t w = a == Arg::bytes1 ? 1 : a == Arg::bytes4 ? 4 : 8;
        if (!need(w)) return truncated();
        const std::uint8_t* p = take(w);
        const std::uint64_t n = w == 1 ? p[0] : w == 4 ? le32(p) : le64(p);
        if (n > static_cast<std::uint64_t>(PTRDIFF_MAX))
            return fail(Errc::oversize, std::string(detail::op_info(code_).name) + " exceeds system's maximum size of " + std::to_string(PTRDIFF_MAX) + " bytes");
        if (!need(static_cast<std::size_t>(n))) return truncated();
        const std::string_view data = view(take(static_cast<std::size_t>(n)), static_cast<std::size_t>(n));
        if (code_ == op::BINUNICODE || code_ == op::SHORT_BINUNICODE || code_ == op::BINUNICODE8) return op_str(data);
        return leaf_text(code_ == op::BYTEARRAY8 ? Kind::bytearray : Kind::bytes, data);
    }
    case op::APPEND:
        if (s_.stack.empty()) return underflow();
        return op_append(s_.stack.size() - 1);
    case op::APPENDS: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        return op_append(m);
    }
    case op::BUILD: return op_build();
    case op::GLOBAL: {
        std::string_view module, name;
        if (!line(module) || module.empty()) return truncated();
        if (!line(name) || name.empty()) return truncated();
        if (Callable c{}; detail::find_global(module, name, c)) return op_global(c); // whitelisted names are ASCII
        for (std::string_view part : {module, name}) {
            std::size_t bad = 0;
            const char* why = nullptr;
            if (!detail::utf8_check(part, false, bad, why)) return fail(Errc::bad_value, std::string("'utf-8' codec can't decode the GLOBAL name: ") + why);
        }
        return op_global_names(module, name);
    }
    case op::STACK_GLOBAL: {
        NodeId name = NO_NODE;
        if (!pop(name)) return false;
        NodeId module = NO_NODE;
        if (!pop(module)) return false;
        if (doc_[module].kind != Kind::str || doc_[name].kind != Kind::str) return fail(Errc::bad_value, "STACK_GLOBAL requires str");
        const std::string m = doc_[module].s, n = doc_[name].s;
        return op_global_names(m, n);
    }
    case op::INST: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        std::string_view module, name;
        if (!line(module) || module.empty()) return truncated();
        if (!line(name) || name.empty()) return truncated();
        for (std::string_view part : {module, name})
            for (unsigned char c : part)
                if (c >= 0x80) return fail(Errc::bad_value, "'ascii' codec can't decode the INST name");
        return op_inst(m, module, name);
    }
    case op::OBJ: return op_obj();
    case op::DICT: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        if ((s_.stack.size() - m) % 2 != 0) return fail(Errc::bad_value, "odd number of items for DICT");
        NodeId id = NO_NODE;
        if (!node(Kind::dict, id)) return false;
        for (std::size_t j = m + 1; j < s_.stack.size(); j += 2)
            if (!set_item(id, s_.stack[j - 1], s_.stack[j])) return false;
        s_.stack.resize(m);
        push(id);
        return set_depth(id, 1);
    }
    case op::EMPTY_DICT:
    case op::EMPTY_LIST:
    case op::EMPTY_TUPLE:
    case op::EMPTY_SET: {
        NodeId id = NO_NODE;
        if (!node(code_ == op::EMPTY_DICT ? Kind::dict : code_ == op::EMPTY_LIST ? Kind::list : code_ == op::EMPTY_SET ? Kind::set : Kind::tuple, id)) return false;
        push(id);
        return set_depth(id, 1);
    }
    case op::LIST:
    case op::TUPLE:
    case op::FROZENSET: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        return make_seq(code_ == op::LIST ? Kind::list : code_ == op::TUPLE ? Kind::tuple : Kind::frozenset, m);
    }
    case op::TUPLE1:
    case op::TUPLE2:
    case op::TUPLE3: {
        const std::size_t n = static_cast<std::size_t>(code_ - op::TUPLE1 + 1);
        if (s_.stack.size() < n || s_.stack.size() - n < fence()) return underflow();
        return make_seq(Kind::tuple, s_.stack.size() - n);
    }
    case op::GET:
    case op::PUT: {
        std::string_view t;
        if (!line(t)) return truncated();
        detail::IntText v;
        if (detail::parse_int(t.substr(0, t.find('\0')), 10, v) != detail::ParseInt::ok || v.big)
            return fail(Errc::bad_value, "invalid literal for int() with base 10: " + py_repr(t));
        if (code_ == op::GET) {
            if (v.small < 0) return fail(Errc::bad_value, "Memo value not found at index " + std::to_string(v.small));
            return memo_get(static_cast<std::uint64_t>(v.small));
        }
        if (s_.stack.size() <= fence()) return underflow();
        if (v.small < 0) return fail(Errc::bad_value, "negative PUT argument");
        return memo_put(static_cast<std::uint64_t>(v.small));
    }
    case op::BINGET:
    case op::BINPUT:
        if (!need(1)) return truncated();
        return code_ == op::BINGET ? memo_get(*take(1)) : memo_put(*take(1));
    case op::LONG_BINGET:
    case op::LONG_BINPUT:
        if (!need(4)) return truncated();
        return code_ == op::LONG_BINGET ? memo_get(le32(take(4))) : memo_put(le32(take(4)));
    case op::MEMOIZE: return memo_put(s_.memo_count);
    case op::SETITEM:
        if (s_.stack.size() < 2) return underflow();
        return op_setitems(s_.stack.size() - 2);
    case op::SETITEMS: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        return op_setitems(m);
    }
    case op::ADDITEMS: {
        std::size_t m = 0;
        if (!marker(m)) return false;
        return op_additems(m);
    }
    case op::BINFLOAT: {
        if (!need(8)) return truncated();
        const std::uint8_t* p = take(8);
        std::uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = bits << 8 | p[k];
        double v;
        std::memcpy(&v, &bits, 8);
        NodeId id = NO_NODE;
        if (!node(Kind::floating, id)) return false;
        doc_[id].f = v;
        push(id);
        return true;
    }
    case op::PROTO: {
        if (!need(1)) return truncated();
        const unsigned v = *take(1);
        if (v > 5) return fail(Errc::bad_opcode, "unsupported pickle protocol: " + std::to_string(v));
        return true;
    }
    case op::NEWOBJ: return op_newobj(false);
    case op::NEWOBJ_EX: return op_newobj(true);
    case op::EXT1:
    case op::EXT2:
    case op::EXT4: {
        const std::size_t n = code_ == op::EXT1 ? 1 : code_ == op::EXT2 ? 2 : 4;
        if (!need(n)) return truncated();
        const std::uint8_t* p = take(n);
        const std::int64_t c = n == 1 ? p[0] : n == 2 ? (p[0] | p[1] << 8) : static_cast<std::int32_t>(le32(p));
        if (c <= 0) return fail(Errc::bad_value, "EXT specifies code <= 0");
        // copyreg's registry is empty in a mitogen context: every code is unknown.
        return fail(Errc::refused_global, "unregistered extension code " + std::to_string(c));
    }
    case op::FRAME: {
        if (!need(8)) return truncated();
        const std::uint64_t n = le64(take(8));
        if (n > in_.size() - pos_) return truncated();
        return true;
    }
    case op::NEXT_BUFFER:
        return fail(Errc::bad_opcode, "pickle stream refers to out-of-band data but no *buffers* argument was given");
    case op::READONLY_BUFFER: return op_readonly_buffer();
    default: {
        char buf[48];
        if (code_ >= 0x20 && code_ <= 0x7e && code_ != '\'' && code_ != '\\')
            std::snprintf(buf, sizeof buf, "invalid load key, '%c'.", code_);
        else
            std::snprintf(buf, sizeof buf, "invalid load key, '\\x%02x'.", code_);
        return fail(Errc::bad_opcode, buf);
    }
    }
}

// The opcodes of mitogen's payloads without step()'s frame (whose set-up cost
// is as large as the work of most opcodes): small ints, None and booleans, MARK,
// memo puts/gets on the dense memo, strings and bytes, tuples, empty containers,
// APPEND(S)/SETITEM(S), REDUCE and STOP. Returns false on an error (in err_),
// true when it stops at STOP or at an opcode it leaves to step(), which also
// reports every truncation. Each case does what step() does for the opcode.
[[gnu::always_inline]] inline bool Decoder::hot_loop(std::size_t& pos) {
    const std::size_t n = in_.size();
    const std::uint8_t* p = in_.data();
    // Fixed while the loop runs: only memo_insert(), which step() calls, resizes
    // the memo, and the generation changes between decodes.
    std::uint64_t* const memo = s_.memo.data();
    const std::size_t memo_size = s_.memo.size();
    const std::uint64_t gen = static_cast<std::uint64_t>(s_.generation) << 32;
    while (pos < n) {
        const std::size_t avail = n - pos;
        const std::uint8_t c = p[pos];
        std::int64_t v;
        Kind k = Kind::none;
        std::size_t len;
        switch (c) {
        case op::BININT1:
        case op::BININT2:
        case op::BININT: {
            // A run of integers (a list of numbers): one tight loop with the
            // position in a register. Whatever it cannot take (truncation, a
            // limit) is left to step() when the run makes no progress.
            std::size_t q = pos;
            while (q < n) {
                const std::uint8_t o = p[q];
                std::int64_t x;
                std::size_t l;
                if (o == op::BININT1 && n - q >= 2) {
                    x = p[q + 1];
                    l = 2;
                } else if (o == op::BININT2 && n - q >= 3) {
                    x = p[q + 1] | p[q + 2] << 8;
                    l = 3;
                } else if (o == op::BININT && n - q >= 5) {
                    x = static_cast<std::int32_t>(le32(p + q + 1));
                    l = 5;
                } else {
                    break;
                }
                if (doc_.size() >= opt_.limits.max_nodes || budget_ < sizeof(Node)) break;
                budget_ -= sizeof(Node);
                const NodeId id = doc_.alloc(Kind::integer);
                doc_[id].i = x;
                s_.stack.push_back(id);
                q += l;
            }
            if (q == pos) return true;
            pos = q;
            continue;
        }
        case op::NONE: v = 0; k = Kind::none; len = 1; break;
        case op::NEWTRUE: v = 1; k = Kind::boolean; len = 1; break;
        case op::NEWFALSE: v = 0; k = Kind::boolean; len = 1; break;
        case op::MARK:
            if (s_.marks.size() >= opt_.limits.max_depth) return true;
            push_mark();
            ++pos;
            continue;
        case op::BINPUT:
        case op::LONG_BINPUT: {
            const bool wide = c == op::LONG_BINPUT;
            if (avail < (wide ? 5u : 2u)) return true;
            const std::size_t idx = wide ? le32(p + pos + 1) : p[pos + 1];
            if (idx >= memo_size || s_.stack.size() <= fence() || !put_top(memo[idx], gen)) return true;
            pos += wide ? 5 : 2;
            continue;
        }
        case op::BINGET:
        case op::LONG_BINGET: {
            const bool wide = c == op::LONG_BINGET;
            if (avail < (wide ? 5u : 2u)) return true;
            const std::size_t idx = wide ? le32(p + pos + 1) : p[pos + 1];
            if (idx >= memo_size || (memo[idx] & ~std::uint64_t{0xffffffff}) != gen) return true;
            s_.stack.push_back(static_cast<NodeId>(memo[idx]));
            pos += wide ? 5 : 2;
            continue;
        }
        case op::BINUNICODE: {
            // Every str of a protocol 2 pickle: its own case, without the
            // selections by opcode below.
            if (avail < 5) return true;
            const std::size_t size = le32(p + pos + 1);
            if (size > avail - 5) return true;
            at_ = pos;
            code_ = c;
            const std::string_view data = view(p + pos + 5, size);
            pos += 5 + size;
            if (!op_str(data)) return false;
            goto pushed;
        }
        case op::SHORT_BINUNICODE:
        case op::SHORT_BINBYTES:
        case op::BINBYTES:
        case op::SHORT_BINSTRING:
        case op::BINSTRING: {
            const bool wide = c == op::BINBYTES || c == op::BINSTRING;
            const std::size_t head = wide ? 5 : 2;
            if (avail < head) return true;
            const std::size_t size = wide ? le32(p + pos + 1) : p[pos + 1];
            if (size > avail - head) return true;
            at_ = pos;
            code_ = c;
            const std::string_view data = view(p + pos + head, size);
            pos += head + size;
            if (!(c == op::SHORT_BINUNICODE ? op_str(data) : leaf_text(Kind::bytes, data))) return false;
            goto pushed;
        }
        case op::EMPTY_TUPLE:
        case op::EMPTY_LIST:
        case op::EMPTY_DICT: {
            at_ = pos++;
            code_ = c;
            NodeId id = NO_NODE;
            if (!node(c == op::EMPTY_DICT ? Kind::dict : c == op::EMPTY_LIST ? Kind::list : Kind::tuple, id)) return false;
            push(id);
            if (!set_depth(id, 1)) return false;
            goto pushed;
        }
        case op::TUPLE1:
        case op::TUPLE2:
        case op::TUPLE3: {
            const std::size_t count = static_cast<std::size_t>(c - op::TUPLE1 + 1);
            if (s_.stack.size() < count || s_.stack.size() - count < fence()) return true;
            at_ = pos++;
            code_ = c;
            if (!make_seq(Kind::tuple, s_.stack.size() - count)) return false;
            goto pushed;
        }
        case op::TUPLE:
        case op::LIST:
        case op::APPENDS:
        case op::SETITEMS: {
            at_ = pos++;
            code_ = c;
            std::size_t m = 0;
            if (!marker(m)) return false;
            const bool ok = c == op::TUPLE ? make_seq(Kind::tuple, m)
                          : c == op::LIST  ? make_seq(Kind::list, m)
                          : c == op::APPENDS ? op_append(m)
                                             : op_setitems(m);
            if (!ok) return false;
            if (c == op::TUPLE || c == op::LIST) goto pushed;
            continue;
        }
        case op::APPEND:
            if (s_.stack.empty()) return true;
            at_ = pos++;
            code_ = c;
            if (!op_append(s_.stack.size() - 1)) return false;
            continue;
        case op::SETITEM:
            if (s_.stack.size() < 2) return true;
            at_ = pos++;
            code_ = c;
            if (!op_setitems(s_.stack.size() - 2)) return false;
            continue;
        case op::PROTO:
            if (avail < 2 || p[pos + 1] > 5) return true;
            pos += 2;
            continue;
        case op::BINFLOAT: {
            if (avail < 9) return true;
            std::uint64_t bits = 0;
            for (int b = 1; b <= 8; ++b) bits = bits << 8 | p[pos + b];
            double f;
            std::memcpy(&f, &bits, 8);
            at_ = pos;
            code_ = c;
            pos += 9;
            NodeId id = NO_NODE;
            if (!node(Kind::floating, id)) return false;
            doc_[id].f = f;
            push(id);
            continue;
        }
        case op::REDUCE:
            at_ = pos++;
            code_ = c;
            if (!op_reduce()) return false;
            goto pushed;
        case op::GLOBAL: {
            // A whitelisted name (mitogen.core Kwargs in every call); a refusal
            // or a truncation is step()'s, with its messages.
            // Kwargs, in every call, by one fixed-size compare: the lines it
            // spells are the ones the search below would find.
            static constexpr char kKwargs[] = "mitogen.core\nKwargs\n";
            constexpr std::size_t kKwargsLen = sizeof kKwargs - 1;
            if (avail > kKwargsLen && std::memcmp(p + pos + 1, kKwargs, kKwargsLen) == 0) {
                at_ = pos;
                code_ = c;
                pos += 1 + kKwargsLen;
                if (!op_global(Callable::kwargs)) return false;
                goto pushed;
            }
            const auto* mod = p + pos + 1;
            const auto* nl1 = static_cast<const std::uint8_t*>(std::memchr(mod, '\n', avail - 1));
            if (!nl1 || nl1 == mod) return true;
            const auto* nl2 = static_cast<const std::uint8_t*>(std::memchr(nl1 + 1, '\n', static_cast<std::size_t>(p + n - nl1 - 1)));
            if (!nl2 || nl2 == nl1 + 1) return true;
            Callable cb{};
            if (!detail::find_global(view(mod, static_cast<std::size_t>(nl1 - mod)), view(nl1 + 1, static_cast<std::size_t>(nl2 - nl1 - 1)), cb))
                return true;
            at_ = pos;
            code_ = c;
            pos = static_cast<std::size_t>(nl2 + 1 - p);
            if (!op_global(cb)) return false;
            goto pushed;
        }
        case op::STOP: {
            at_ = pos++;
            code_ = c;
            NodeId top = NO_NODE;
            if (!pop(top)) return false;
            doc_.add_root(top);
            stopped_ = true;
            return true;
        }
        default: return true;
        }
        {
            if (doc_.size() >= opt_.limits.max_nodes || budget_ < sizeof(Node)) return true;
            budget_ -= sizeof(Node);
            const NodeId id = doc_.alloc(k);
            if (v != 0) doc_[id].flag = true; // alloc() cleared it
            s_.stack.push_back(id);
            pos += len;
        }
    pushed:
        // A value just pushed is usually memoized next: its BINPUT here skips the
        // dispatch and the stack test (a push leaves the top above the fence).
        // Anything put_top() declines is left to the BINPUT case.
        if (n - pos >= 2 && p[pos] == op::BINPUT && p[pos + 1] < memo_size && put_top(memo[p[pos + 1]], gen)) pos += 2;
    }
    return true;
}

// The position lives in a register while the loop runs: the helpers it calls
// never read pos_, and stores through the Document's pointers would otherwise make
// the compiler reload the member after each of them.
inline bool Decoder::hot() {
    std::size_t pos = pos_;
    const bool ok = hot_loop(pos);
    pos_ = pos;
    return ok;
}

inline Status Decoder::run(bool first_only) {
    if (in_.empty()) return make_error(Errc::truncated, "Ran out of input (empty pickle at offset 0)", 0);
    while (true) {
        s_.stack.clear();
        s_.marks.clear();
        fence_ = 0;
        stopped_ = false;
        while (true) {
            if (!hot()) return std::move(err_);
            if (stopped_) break;
            if (!step()) return std::move(err_);
            if (stopped_) break;
        }
        if (first_only || pos_ == in_.size()) return {};
        if (!opt_.sequence)
            return make_error(Errc::bad_value, "data after STOP at offset " + std::to_string(pos_) + " (a sequence of pickles was not allowed)", pos_);
    }
}

} // namespace

// One decode from a fresh memo.
Status detail::decode_into(std::span<const std::uint8_t> in, Document& doc, const DecodeOptions& opt, bool first_only,
                           std::size_t& consumed) {
    doc.clear();
    auto& s = doc.decode_scratch();
    s.memo_count = 0;
    if (++s.generation == 0) { // wrapped: clear for real once every 2^32 decodes
        std::fill(s.memo.begin(), s.memo.end(), 0);
        s.generation = 1;
    }
    if (!s.memo_sparse.empty()) s.memo_sparse.clear();
    s.patched.clear();
    Decoder d(in, doc, opt);
    Status st = d.run(first_only);
    consumed = d.consumed();
    s.keys.reset(doc);
    if (s.memo.size() > (1u << 16)) { // keep the scratch small after a big payload
        s.memo.clear();
        s.memo.shrink_to_fit();
    }
    return st;
}

} // namespace mitokit::pickle
