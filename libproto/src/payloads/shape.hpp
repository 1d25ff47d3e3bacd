// Checks on decoded pickle values for the pickled payloads, with error messages
// in one style: "<HANDLE>: field <i> (<name>) must be <what>, got <python type>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/payloads.hpp"

namespace mitokit::payload::shape {

// The Python type name a value of this kind has on the receiving side.
const char* py_type(pickle::Kind k) noexcept;

Error bad(std::string_view handle, const std::string& what);

struct OnePickle {
    pickle::NodeId root = pickle::NO_NODE;
    std::size_t trailing = 0; // bytes after the pickle, not read (MI only)
};

// Decodes a one-pickle payload into doc, naming the handle in a decoder error: MI
// reads the first pickle only, as Message.unpickle; MJ reads the whole payload,
// which must hold exactly one pickle (payloads.hpp says why).
// Inline, with its errors out of line: a call costs as much as a small call's opcodes.
Error named(std::string_view handle, Error e);    // "<HANDLE>: " + e's message
Error pickle_count(std::string_view handle, std::size_t n); // n pickles where one is wanted
[[gnu::always_inline]] inline Result<OnePickle> decode_one(std::string_view handle, Bytes data, pickle::Document& doc,
                                                           const pickle::DecodeOptions& opt, Encoding enc) {
    auto trailing = decode_pickles(data, doc, enc, opt);
    if (!trailing) return named(handle, std::move(trailing).error());
    if (doc.roots().size() != 1) return pickle_count(handle, doc.roots().size()); // MJ: every pickle was read
    return OnePickle{doc.roots()[0], *trailing};
}

// The items of a tuple (or, where the receiver only unpacks, a list) of exactly n
// values; `form` describes the whole, e.g. "a 5-tuple (fullname, ...)".
Result<std::span<const pickle::NodeId>> fields(std::string_view handle, const pickle::Document& doc, pickle::NodeId id,
                                           std::size_t n, bool list_ok, std::string_view form);

struct Field {
    std::string_view handle;
    std::size_t index;
    std::string_view name;
    Error error(const pickle::Document& doc, pickle::NodeId id, std::string_view want) const;
};

// The one-test predicates are inline: a call costs more than the test, and a
// payload parser makes several per message.
inline bool is(const pickle::Document& doc, pickle::NodeId id, pickle::Kind k) noexcept { return doc[id].kind == k; }
inline bool is_seq(const pickle::Document& doc, pickle::NodeId id) noexcept { // tuple or list
    return doc[id].kind == pickle::Kind::tuple || doc[id].kind == pickle::Kind::list;
}
// str or Secret (a str subclass: import_module, getattr and **kwargs take it as str).
inline bool is_text(const pickle::Document& doc, pickle::NodeId id) noexcept {
    return doc[id].kind == pickle::Kind::str || doc[id].kind == pickle::Kind::secret;
}
// Python's truth value is False: None, False, 0, 0.0, and empty str/bytes/containers.
bool is_falsy(const pickle::Document& doc, pickle::NodeId id) noexcept;
inline bool is_mapping(const pickle::Document& doc, pickle::NodeId id) noexcept { // dict or Kwargs
    return doc[id].kind == pickle::Kind::dict || doc[id].kind == pickle::Kind::kwargs;
}
bool is_hashable_walk(const pickle::Document& doc, pickle::NodeId id); // a tuple's items, recursively
inline bool is_hashable(const pickle::Document& doc, pickle::NodeId id) {
    using pickle::Kind;
    const Kind k = doc[id].kind;
    if (k == Kind::tuple) return is_hashable_walk(doc, id);
    return !(k == Kind::list || k == Kind::dict || k == Kind::kwargs || k == Kind::set || k == Kind::bytearray);
}

// Builders' side: encodes `root` of `doc`, empty on failure.
std::vector<std::uint8_t> encode(const pickle::Document& doc, pickle::NodeId root);

} // namespace mitokit::payload::shape
