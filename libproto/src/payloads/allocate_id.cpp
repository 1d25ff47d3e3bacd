// ALLOCATE_ID (105) reply: (start, end), end exclusive, as ChildIdAllocator unpacks
// it into range(start, end).
#include "mitokit/payloads.hpp"
#include "shape.hpp"

namespace mitokit::payload {

using pickle::Kind;

Result<AllocateIdReply> parse_allocate_id_reply(Bytes data, Encoding enc) {
    static constexpr std::string_view H = "ALLOCATE_ID";
    pickle::Document doc;
    auto one = shape::decode_one(H, data, doc, {}, enc);
    if (!one) return std::move(one).error();
    auto f = shape::fields(H, doc, one->root, 2, true, "a 2-tuple (start, end)");
    if (!f) return std::move(f).error();
    AllocateIdReply r;
    r.trailing_bytes = one->trailing;
    for (std::size_t i = 0; i < 2; ++i) {
        const auto id = (*f)[i];
        const std::string_view name = i == 0 ? "start" : "end";
        if (shape::is(doc, id, Kind::big_integer))
            return shape::bad(H, "field " + std::to_string(i) + " (" + std::string(name) + ") is out of range: " +
                                     doc[id].s);
        // range() takes a bool as the int it is.
        if (shape::is(doc, id, Kind::boolean)) {
            (i == 0 ? r.start : r.end) = doc[id].flag ? 1 : 0;
            continue;
        }
        if (!shape::is(doc, id, Kind::integer)) return shape::Field{H, i, name}.error(doc, id, "int");
        (i == 0 ? r.start : r.end) = doc[id].i;
    }
    return r;
}

std::vector<std::uint8_t> build_allocate_id_reply(const AllocateIdReply& r) {
    pickle::Document doc;
    const auto start = doc.integer(r.start);
    const auto end = doc.integer(r.end);
    return shape::encode(doc, doc.tuple({start, end}));
}

} // namespace mitokit::payload
