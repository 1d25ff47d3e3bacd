// LOAD_MODULE (107): (fullname, pkg_present, path, compressed, related), as the
// child's Importer caches and reads it and as ModuleForwarder passes it on.
#include "mitokit/payloads.hpp"
#include "shape.hpp"

namespace mitokit::payload {

using pickle::Kind;

namespace {

constexpr std::string_view H = "LOAD_MODULE";

// A list (or tuple) of str: module names are compared with str names.
Result<std::vector<std::string>> names(const pickle::Document& doc, pickle::NodeId id, std::size_t index,
                                       std::string_view field, std::string_view want) {
    if (!shape::is_seq(doc, id)) return shape::Field{H, index, field}.error(doc, id, want);
    std::vector<std::string> out;
    out.reserve(doc[id].items.size());
    for (auto item : doc[id].items) {
        if (!shape::is(doc, item, Kind::str))
            return shape::bad(H, "field " + std::to_string(index) + " (" + std::string(field) +
                                     ") items must be str, got " + shape::py_type(doc[item].kind));
        out.push_back(doc[item].s);
    }
    return out;
}

} // namespace

LoadModule LoadModule::negative(std::string fullname) {
    LoadModule m;
    m.fullname = std::move(fullname);
    m.related_is_tuple = true;
    return m;
}

Result<LoadModule> parse_load_module(Bytes data, const pickle::DecodeOptions& opt, Encoding enc) {
    pickle::Document doc;
    auto one = shape::decode_one(H, data, doc, opt, enc);
    if (!one) return std::move(one).error();
    auto f = shape::fields(H, doc, one->root, 5, true, "a 5-tuple (fullname, pkg_present, path, compressed, related)");
    if (!f) return std::move(f).error();
    const auto& v = *f;
    LoadModule m;
    m.trailing_bytes = one->trailing;
    if (!shape::is(doc, v[0], Kind::str)) return shape::Field{H, 0, "fullname"}.error(doc, v[0], "str");
    m.fullname = doc[v[0]].s;
    if (!shape::is(doc, v[1], Kind::none)) {
        auto p = names(doc, v[1], 1, "pkg_present", "a list of str or None");
        if (!p) return std::move(p).error();
        m.pkg_present = std::move(*p);
    }
    if (shape::is(doc, v[2], Kind::str)) {
        m.path = doc[v[2]].s;
    } else if (!shape::is(doc, v[2], Kind::none)) {
        return shape::Field{H, 2, "path"}.error(doc, v[2], "str or None");
    }
    // zlib.decompress takes any bytes; the reference sends a Blob.
    if (shape::is(doc, v[3], Kind::blob) || shape::is(doc, v[3], Kind::bytes)) {
        m.compressed = doc[v[3]].s;
        m.compressed_is_blob = shape::is(doc, v[3], Kind::blob);
    } else if (!shape::is(doc, v[3], Kind::none)) {
        return shape::Field{H, 3, "compressed"}.error(doc, v[3], "Blob, bytes or None");
    }
    auto r = names(doc, v[4], 4, "related", "a list or tuple of str");
    if (!r) return std::move(r).error();
    m.related = std::move(*r);
    m.related_is_tuple = shape::is(doc, v[4], Kind::tuple);
    return m;
}

std::vector<std::uint8_t> build_load_module(const LoadModule& m) {
    pickle::Document doc;
    const auto name = doc.str(m.fullname);
    pickle::NodeId present = pickle::NO_NODE;
    if (m.pkg_present) {
        std::vector<pickle::NodeId> items;
        for (const auto& p : *m.pkg_present) items.push_back(doc.str(p));
        present = doc.seq(Kind::list, std::move(items));
    } else {
        present = doc.none();
    }
    const auto path = m.path ? doc.str(*m.path) : doc.none();
    const auto comp = !m.compressed ? doc.none() : m.compressed_is_blob ? doc.blob(*m.compressed) : doc.bytes(*m.compressed);
    std::vector<pickle::NodeId> rel;
    for (const auto& r : m.related) rel.push_back(doc.str(r));
    const bool tuple = m.related_is_tuple || m.is_negative();
    const auto related = doc.seq(tuple ? Kind::tuple : Kind::list, std::move(rel));
    return shape::encode(doc, doc.tuple({name, present, path, comp, related}));
}

} // namespace mitokit::payload
