// ALLOCATE_ID (105) reply: (start, end), end exclusive, as ChildIdAllocator unpacks
// it into range(start, end).
#include "mitokit/payloads.hpp"
#include "mitokit/pickle/small.hpp"
#include "shape.hpp"

namespace mitokit::payload {

using pickle::Kind;

Result<AllocateIdReply> parse_allocate_id_reply(Bytes data, Encoding enc) {
    static constexpr std::string_view H = "ALLOCATE_ID";
    // The reply as the master writes it, PROTO 2, two ints, TUPLE2, BINPUT 0, STOP
    // and nothing after, read without the decoder (every child's first ID block
    // comes so): the values the general path below finds in it. Anything else,
    // however near, goes that path.
    if (data.size() >= 9 && data[0] == 0x80 && data[1] == 2) {
        AllocateIdReply r;
        const std::size_t a = pickle::small::read_int32(data.subspan(2), r.start);
        const std::size_t b = a ? pickle::small::read_int32(data.subspan(2 + a), r.end) : 0;
        const std::size_t at = 2 + a + b;
        if (b && data.size() == at + 4 && data[at] == 0x86 && data[at + 1] == 'q' && data[at + 2] == 0 &&
            data[at + 3] == '.')
            return r;
    }
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
    if (pickle::small::fits_int32(r.start) && pickle::small::fits_int32(r.end)) { // the encoder's bytes for the usual block, without a Document
        const std::size_t a = pickle::small::int32_length(r.start), b = pickle::small::int32_length(r.end);
        std::vector<std::uint8_t> out(2 + a + b + 4);
        out[0] = 0x80;
        out[1] = 2;
        pickle::small::write_int32(&out[2], r.start);
        pickle::small::write_int32(&out[2 + a], r.end);
        const std::size_t at = 2 + a + b;
        out[at] = 0x86; // TUPLE2
        out[at + 1] = 'q'; // BINPUT 0
        out[at + 2] = 0;
        out[at + 3] = '.';
        return out;
    }
    pickle::Document doc;
    const auto start = doc.integer(r.start);
    const auto end = doc.integer(r.end);
    return shape::encode(doc, doc.tuple({start, end}));
}

} // namespace mitokit::payload
