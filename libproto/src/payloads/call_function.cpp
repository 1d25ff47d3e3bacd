// CALL_FUNCTION (101): (chain_id, modname, klass, funcname, args, kwargs), as
// Dispatcher._parse_request unpacks and uses it.
#include <cstring>

#include "mitokit/payloads.hpp"
#include "shape.hpp"

namespace mitokit::payload {

using pickle::Kind;

Result<CallFunction> parse_call_function(Bytes data, const pickle::DecodeOptions& opt, Encoding enc) {
    CallFunction c;
    if (auto st = parse_call_function(data, c, opt, enc); !st) return std::move(st).error();
    return c;
}

Status parse_call_function(Bytes data, CallFunction& c, const pickle::DecodeOptions& opt, Encoding enc) {
    static constexpr std::string_view H = "CALL_FUNCTION";
    c.chain_id = c.args = c.kwargs = pickle::NO_NODE;
    c.klass.reset();
    c.trailing_bytes = 0;
    c.parsed_from.clear(); // the value below is no longer that parse's
    auto one = shape::decode_one(H, data, c.doc, opt, enc);
    if (!one) return std::move(one).error();
    const auto& doc = c.doc;
    // The receiver unpacks six names, so a list of six would do as well.
    // fields() is called for its error only: its Result costs more than the test.
    const pickle::Node& top = doc[one->root];
    if (!((top.kind == Kind::tuple || top.kind == Kind::list) && top.items.size() == 6))
        return shape::fields(H, doc, one->root, 6, true, "a 6-tuple (chain_id, modname, klass, funcname, args, kwargs)").error();
    const std::vector<pickle::NodeId>& v = top.items;
    // chain_id is a dict key for failed chains: anything hashable.
    if (!shape::is_hashable(doc, v[0]))
        return shape::Field{H, 0, "chain_id"}.error(doc, v[0], "None or str (hashable)");
    c.chain_id = v[0];
    // Names may be Secrets (str subclasses). The receiver looks up a class only
    // `if klass:`, so any false value ('', 0, False, ()) means no class.
    if (!shape::is_text(doc, v[1]))
        return shape::Field{H, 1, "modname"}.error(doc, v[1], "str");
    c.module = doc[v[1]].s;
    if (shape::is(doc, v[2], Kind::none) || shape::is_falsy(doc, v[2])) { // None: the usual, without the call
        c.klass.reset();
    } else if (shape::is_text(doc, v[2])) {
        c.klass.emplace(doc[v[2]].s);
    } else {
        return shape::Field{H, 2, "klass"}.error(doc, v[2], "str or None");
    }
    if (!shape::is_text(doc, v[3]))
        return shape::Field{H, 3, "funcname"}.error(doc, v[3], "str");
    c.function = doc[v[3]].s;
    if (!shape::is_seq(doc, v[4]))
        return shape::Field{H, 4, "args"}.error(doc, v[4], "a tuple");
    c.args = v[4];
    if (!shape::is_mapping(doc, v[5]))
        return shape::Field{H, 5, "kwargs"}.error(doc, v[5], "Kwargs or dict");
    // **kwargs needs str keys; Kwargs turns bytes keys into str on Python 3.
    const auto& items = doc[v[5]].items;
    for (std::size_t i = 0; i < items.size(); i += 2) {
        const Kind k = doc[items[i]].kind;
        if (!(k == Kind::str || k == Kind::secret || (k == Kind::bytes && doc[v[5]].kind == Kind::kwargs)))
            return shape::bad(H, std::string("field 5 (kwargs) keys must be str, got ") + shape::py_type(k));
    }
    c.kwargs = v[5];
    c.trailing_bytes = one->trailing;
    return {};
}

Status parse_call_function_again(Bytes data, CallFunction& c, Encoding enc, bool* reused) {
    // A memcmp of the ~100-200 bytes of a call against the decoder's few thousand
    // instructions for them.
    const bool same = !c.parsed_from.empty() && enc == c.parsed_enc && data.size() == c.parsed_from.size() &&
                      std::memcmp(data.data(), c.parsed_from.data(), data.size()) == 0;
    if (reused) *reused = same;
    if (same) return {};
    auto st = parse_call_function(data, c, {}, enc); // clears parsed_from
    if (st) {
        c.parsed_from.assign(data.begin(), data.end());
        c.parsed_enc = enc;
    }
    return st;
}

std::vector<std::uint8_t> build_call_function(const CallFunction& c) {
    pickle::Document doc = c.doc;
    const auto chain = c.chain_id != pickle::NO_NODE ? c.chain_id : doc.none();
    const auto mod = doc.str(c.module);
    const auto klass = c.klass ? doc.str(*c.klass) : doc.none();
    const auto fn = doc.str(c.function);
    const auto args = c.args != pickle::NO_NODE ? c.args : doc.tuple({});
    const auto kwargs = c.kwargs != pickle::NO_NODE ? c.kwargs : doc.seq(Kind::kwargs, {});
    return shape::encode(doc, doc.tuple({chain, mod, klass, fn, args, kwargs}));
}

} // namespace mitokit::payload
