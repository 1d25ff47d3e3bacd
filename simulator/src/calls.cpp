#include "mitokit/sim/calls.hpp"

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

} // namespace

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
