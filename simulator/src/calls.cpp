#include "mitokit/sim/calls.hpp"

#include <algorithm>
#include <initializer_list>

#include "mitokit/pickle/decoder.hpp"

namespace mitokit::sim {

payload::CallFunction make_call(std::string_view module, std::optional<std::string> klass, std::string_view function,
                                std::optional<std::string> chain_id) {
    payload::CallFunction c;
    c.chain_id = chain_id ? c.doc.str(*chain_id) : c.doc.none();
    c.module = std::string(module);
    c.klass = std::move(klass);
    c.function = std::string(function);
    c.args = c.doc.tuple({});
    c.kwargs = c.doc.seq(pickle::Kind::kwargs, std::vector<pickle::NodeId>{});
    return c;
}

payload::CallFunction make_proxy_connect_call(bool unidirectional) {
    auto c = make_call("mitogen.parent", std::nullopt, "_proxy_connect");
    auto& d = c.doc;
    const auto options = d.seq(pickle::Kind::kwargs, {d.str("debug"), d.boolean(false), d.str("profiling"),
                                                      d.boolean(false), d.str("unidirectional"), d.boolean(unidirectional)});
    c.kwargs = d.seq(pickle::Kind::kwargs,
                     {d.str("name"), d.none(), d.str("method_name"), d.str("local"), d.str("kwargs"), options});
    return c;
}

namespace {

// The pickles of the usual replies, getpid's int or None, exactly as the reference
// and mitokit write them (PROTO 2, one NONE or BININT1/BININT2/BININT, STOP, and
// nothing after): the Document the decoder would make of them, in a tenth of its
// instructions. False, with `doc` untouched, for anything else, which the decoder
// reads. Any encoding: the whole payload is this one pickle, so MI's first pickle
// and MJ's every pickle are the same, with no trailing bytes.
bool small_scalar(std::span<const std::uint8_t> d, pickle::Document& doc) {
    if (d.size() < 4 || d[0] != 0x80 || d[1] != 2 || d.back() != '.') return false;
    std::int64_t v;
    switch (d[2]) {
    case 'N':
        if (d.size() != 4) return false;
        doc.clear();
        doc.add_root(doc.none());
        return true;
    case 'K':
        if (d.size() != 5) return false;
        v = d[3];
        break;
    case 'M':
        if (d.size() != 6) return false;
        v = d[3] | d[4] << 8;
        break;
    case 'J':
        if (d.size() != 8) return false;
        v = static_cast<std::int32_t>(static_cast<std::uint32_t>(d[3]) | static_cast<std::uint32_t>(d[4]) << 8 |
                                      static_cast<std::uint32_t>(d[5]) << 16 | static_cast<std::uint32_t>(d[6]) << 24);
        break;
    default: return false;
    }
    doc.clear();
    doc.add_root(doc.integer(v));
    return true;
}

bool starts(std::span<const std::uint8_t>& d, std::initializer_list<std::uint8_t> bytes) {
    if (d.size() < bytes.size() || !std::equal(bytes.begin(), bytes.end(), d.begin())) return false;
    d = d.subspan(bytes.size());
    return true;
}

} // namespace

std::optional<std::int64_t> connected_reply_id(std::span<const std::uint8_t> d) {
    if (!starts(d, {0x80, 2, '}', 'q', 0, '(', 'X', 2, 0, 0, 0, 'i', 'd', 'q', 1}) || d.empty()) return std::nullopt;
    std::int64_t id;
    std::size_t len;
    if (d[0] == 'K' && d.size() >= 2) {
        id = d[1];
        len = 2;
    } else if (d[0] == 'M' && d.size() >= 3) {
        id = d[1] | d[2] << 8;
        len = 3;
    } else if (d[0] == 'J' && d.size() >= 5) {
        id = static_cast<std::int32_t>(static_cast<std::uint32_t>(d[1]) | static_cast<std::uint32_t>(d[2]) << 8 |
                                       static_cast<std::uint32_t>(d[3]) << 16 | static_cast<std::uint32_t>(d[4]) << 24);
        len = 5;
    } else {
        return std::nullopt;
    }
    d = d.subspan(len);
    if (!starts(d, {'X', 4, 0, 0, 0, 'n', 'a', 'm', 'e', 'q', 2, 'X'}) || d.size() < 4) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(d[0]) | static_cast<std::size_t>(d[1]) << 8 |
                          static_cast<std::size_t>(d[2]) << 16 | static_cast<std::size_t>(d[3]) << 24;
    d = d.subspan(4);
    if (d.size() < n) return std::nullopt;
    // ASCII only: other text is valid or not by the decoder's UTF-8 rules.
    for (std::size_t i = 0; i < n; ++i)
        if (d[i] >= 0x80) return std::nullopt;
    d = d.subspan(n);
    if (!starts(d, {'q', 3, 'X', 3, 0, 0, 0, 'm', 's', 'g', 'q', 4, 'N', 'u', '.'}) || !d.empty()) return std::nullopt;
    return id;
}

std::optional<std::int64_t> Reply::integer() const {
    if (!ok() || root == pickle::NO_NODE || doc[root].kind != pickle::Kind::integer) return std::nullopt;
    return doc[root].i;
}

Reply read_reply(const Message& m) {
    Reply r;
    read_reply(m, r);
    return r;
}

void read_reply(const Message& m, Reply& r) {
    r.dead = false;
    r.dead_reason.clear();
    r.call_error.reset();
    r.decode_error.reset();
    r.doc.clear();
    r.root = pickle::NO_NODE;
    r.trailing_bytes = 0;
    if (m.is_dead()) {
        r.dead = true;
        auto d = payload::parse_dead(m.data);
        r.dead_reason = d ? d->channel_error() : std::string(m.text());
        return;
    }
    if (small_scalar(m.data, r.doc)) {
        r.root = r.doc.root();
        return;
    }
    auto trailing = payload::decode_pickles(m.data, r.doc, m.h.enc);
    if (!trailing) {
        r.decode_error = trailing.error().message;
        return;
    }
    r.trailing_bytes = *trailing;
    if (r.doc.roots().empty()) {
        r.decode_error = "empty reply";
        return;
    }
    r.root = r.doc.root();
    if (r.doc[r.root].kind == pickle::Kind::call_error) r.call_error = r.doc[r.root].s;
}

} // namespace mitokit::sim
