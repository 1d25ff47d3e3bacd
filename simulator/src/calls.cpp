#include "mitokit/sim/calls.hpp"

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/small.hpp"

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
    // getpid's int or a None, the usual replies, read without the decoder.
    if (const auto v = pickle::small::read_scalar(m.data)) {
        r.root = *v ? r.doc.integer(**v) : r.doc.none();
        r.doc.add_root(r.root);
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
