// CALL_SERVICE (110): (service_name, method_name, kwargs), with the checks of
// mitogen.service.Pool._validate: a real tuple of three, two str, a dict. The
// names may be Secrets (str subclasses, which the service lookup uses as str);
// _validate also lets bytes through, but on Python 3 the lookup then fails.
#include "mitokit/payloads.hpp"
#include "shape.hpp"

namespace mitokit::payload {

using pickle::Kind;

Result<CallService> parse_call_service(Bytes data, const pickle::DecodeOptions& opt, Encoding enc) {
    static constexpr std::string_view H = "CALL_SERVICE";
    CallService c;
    auto one = shape::decode_one(H, data, c.doc, opt, enc);
    if (!one) return std::move(one).error();
    c.trailing_bytes = one->trailing;
    const auto& doc = c.doc;
    auto f = shape::fields(H, doc, one->root, 3, false, "a 3-tuple (service_name, method_name, kwargs)");
    if (!f) return std::move(f).error();
    const auto& v = *f;
    if (!shape::is_text(doc, v[0])) return shape::Field{H, 0, "service_name"}.error(doc, v[0], "str");
    if (!shape::is_text(doc, v[1])) return shape::Field{H, 1, "method_name"}.error(doc, v[1], "str");
    if (!shape::is_mapping(doc, v[2])) return shape::Field{H, 2, "kwargs"}.error(doc, v[2], "Kwargs or dict");
    c.service = doc[v[0]].s;
    c.method = doc[v[1]].s;
    c.kwargs = v[2];
    return c;
}

std::vector<std::uint8_t> build_call_service(const CallService& c) {
    pickle::Document doc = c.doc;
    const auto service = doc.str(c.service);
    const auto method = doc.str(c.method);
    const auto kwargs = c.kwargs != pickle::NO_NODE ? c.kwargs : doc.seq(Kind::kwargs, {});
    return shape::encode(doc, doc.tuple({service, method, kwargs}));
}

} // namespace mitokit::payload
