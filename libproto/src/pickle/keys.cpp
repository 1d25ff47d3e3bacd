#include "keys.hpp"

#include <cmath>
#include <cstring>
#include <string_view>

#include "bigint.hpp"

namespace mitokit::pickle::detail {
namespace {

bool is_int_like(Kind k) { return k == Kind::boolean || k == Kind::integer; }
bool is_numeric(Kind k) { return is_int_like(k) || k == Kind::big_integer || k == Kind::floating; }
bool is_text(Kind k) { return k == Kind::str || k == Kind::secret; }
bool is_bytes_like(Kind k) { return k == Kind::bytes || k == Kind::blob || k == Kind::memoryview; }

std::int64_t int_value(const Node& n) { return n.kind == Kind::boolean ? (n.flag ? 1 : 0) : n.i; }

constexpr double kTwo63 = 9223372036854775808.0;

bool numbers_equal(const Node& a, const Node& b) {
    if (a.kind == Kind::floating && b.kind == Kind::floating) return a.f == b.f;
    if (a.kind == Kind::floating || b.kind == Kind::floating) {
        const Node& fl = a.kind == Kind::floating ? a : b;
        const Node& other = a.kind == Kind::floating ? b : a;
        const double f = fl.f;
        if (!std::isfinite(f) || std::floor(f) != f) return false;
        if (other.kind == Kind::big_integer)
            return std::fabs(f) >= kTwo63 && integral_double_to_decimal(f) == other.s;
        return std::fabs(f) < kTwo63 && static_cast<std::int64_t>(f) == int_value(other);
    }
    if (a.kind == Kind::big_integer || b.kind == Kind::big_integer)
        return a.kind == b.kind && a.s == b.s;
    return int_value(a) == int_value(b);
}

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
    std::uint64_t h = seed ^ (s.size() * 0x9e3779b97f4a7c15ull);
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = mix(h ^ w) + 0x9e3779b97f4a7c15ull;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    return mix(h ^ tail);
}

constexpr std::uint64_t kBigNumber = 0x5bd1e9955bd1e995ull;

} // namespace

const char* unhashable_type_walk(const Document& doc, NodeId key) noexcept {
    const Node& n = doc[key];
    switch (n.kind) {
    case Kind::list: return "list";
    case Kind::dict: return "dict";
    case Kind::kwargs: return "Kwargs";
    case Kind::set: return "set";
    case Kind::bytearray: return "bytearray";
    case Kind::tuple:
    case Kind::frozenset:
        for (NodeId c : n.items)
            if (const char* t = unhashable_type(doc, c)) return t;
        return nullptr;
    default: return nullptr;
    }
}

bool keys_equal(const Document& doc, NodeId ia, NodeId ib) {
    if (ia == ib) return true;
    const Node& a = doc[ia];
    const Node& b = doc[ib];
    if (is_numeric(a.kind) && is_numeric(b.kind)) return numbers_equal(a, b);
    if (is_text(a.kind) && is_text(b.kind)) return a.s == b.s;
    if (is_bytes_like(a.kind) && is_bytes_like(b.kind)) return a.s == b.s;
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case Kind::none: return true;
    case Kind::global: return a.i == b.i;
    case Kind::tuple:
        if (a.items.size() != b.items.size()) return false;
        for (std::size_t k = 0; k < a.items.size(); ++k)
            if (!keys_equal(doc, a.items[k], b.items[k])) return false;
        return true;
    case Kind::frozenset:
        if (a.items.size() != b.items.size()) return false;
        for (NodeId x : a.items) {
            bool found = false;
            for (NodeId y : b.items)
                if (keys_equal(doc, x, y)) { found = true; break; }
            if (!found) return false;
        }
        return true;
    default: return false; // identity types: CallError, Context, Sender
    }
}

std::uint64_t key_hash(const Document& doc, NodeId id) {
    const Node& n = doc[id];
    switch (n.kind) {
    case Kind::none: return 0x1234567;
    case Kind::boolean:
    case Kind::integer: return mix(static_cast<std::uint64_t>(int_value(n)));
    case Kind::big_integer: return kBigNumber;
    case Kind::floating:
        if (std::isfinite(n.f) && std::floor(n.f) == n.f)
            return std::fabs(n.f) < kTwo63 ? mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(n.f))) : kBigNumber;
        if (std::isnan(n.f)) return mix(0xdead0000ull + id); // equal only to itself
        {
            std::uint64_t bits;
            std::memcpy(&bits, &n.f, 8);
            return mix(bits ^ 0xf10a7ull);
        }
    case Kind::str:
    case Kind::secret: return hash_bytes(n.s, 0x5757);
    case Kind::bytes:
    case Kind::blob:
    case Kind::memoryview: return hash_bytes(n.s, 0xb7b7);
    case Kind::global: return mix(0x61000ull + static_cast<std::uint64_t>(n.i));
    case Kind::tuple: {
        std::uint64_t h = 0x7777 + n.items.size();
        for (NodeId c : n.items) h = mix(h * 31 + key_hash(doc, c));
        return h;
    }
    case Kind::frozenset: {
        std::uint64_t h = 0xf5f5;
        for (NodeId c : n.items) h += key_hash(doc, c); // order-independent
        return mix(h);
    }
    default: return mix(0x1d000000ull + id); // identity
    }
}

void KeyIndex::grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{0, NO_NODE, 0});
    used_ = 0;
    for (const Slot& s : old)
        if (s.owner != NO_NODE) insert_slot(s.hash, s.owner, s.pos);
}

void KeyIndex::insert_slot(std::uint64_t h, NodeId owner, std::uint32_t pos) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>(mix(h ^ owner)) & mask;
    while (slots_[i].owner != NO_NODE) i = (i + 1) & mask;
    slots_[i] = Slot{h, owner, pos};
    ++used_;
}

void KeyIndex::index_all(Document& doc, NodeId owner, std::size_t stride) {
    doc[owner].i2 = 1;
    indexed_.push_back(owner);
    const auto& items = doc[owner].items;
    for (std::size_t k = 0; k < items.size(); k += stride)
        insert_slot(key_hash(doc, items[k]), owner, static_cast<std::uint32_t>(k));
}

namespace {
// keys_equal(doc, other, key) for a str or Secret key, without its call: such a
// key equals itself and text with the same characters, nothing else.
bool text_key_equal(const Document& doc, NodeId other, NodeId key, const std::string& text) {
    if (other == key) return true;
    const Node& o = doc[other];
    return is_text(o.kind) && o.s.size() == text.size() && std::memcmp(o.s.data(), text.data(), text.size()) == 0;
}
} // namespace

bool KeyIndex::put(Document& doc, NodeId owner, NodeId key, NodeId value, std::size_t stride) {
    auto* items = &doc[owner].items;
    if (doc[owner].i2 == 0 && items->size() / stride < kLinear) {
        const bool text = is_text(doc[key].kind); // keyword names: the usual key
        for (std::size_t k = 0; k < items->size(); k += stride) {
            if (text ? text_key_equal(doc, (*items)[k], key, doc[key].s) : keys_equal(doc, (*items)[k], key)) {
                if (stride == 2) (*items)[k + 1] = value;
                return false;
            }
        }
    } else {
        if (doc[owner].i2 == 0) index_all(doc, owner, stride);
        const std::uint64_t h = key_hash(doc, key);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(mix(h ^ owner)) & mask; slots_[i].owner != NO_NODE; i = (i + 1) & mask) {
            const Slot& s = slots_[i];
            if (s.owner == owner && s.hash == h && keys_equal(doc, (*items)[s.pos], key)) {
                if (stride == 2) (*items)[s.pos + 1] = value;
                return false;
            }
        }
        insert_slot(h, owner, static_cast<std::uint32_t>(items->size()));
    }
    items->push_back(key);
    if (stride == 2) items->push_back(value);
    return true;
}

void KeyIndex::reset_indexed(Document& doc) noexcept {
    for (NodeId id : indexed_)
        if (id < doc.size()) doc[id].i2 = 0;
    indexed_.clear();
    if (used_) {
        for (Slot& s : slots_) s.owner = NO_NODE;
        used_ = 0;
    }
}

} // namespace mitokit::pickle::detail
