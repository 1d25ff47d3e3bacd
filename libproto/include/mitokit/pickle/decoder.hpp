// The restricted pickle decoder: every opcode CPython 3.11's unpickler reads
// (protocols 0-5), mitogen's whitelist of globals and nothing else, the same
// argument checks as mitogen's Message._find_global and constructors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::pickle {

// Every limit is named so an error can say which one was hit.
struct Limits {
    std::size_t max_depth = 512;              // nesting of containers (and MARK depth)
    std::size_t max_memo = 1u << 20;          // memo entries
    std::size_t max_nodes = 16u << 20;        // nodes in the Document, absolute
    std::size_t memory_factor = 64;           // decoded bytes allowed per input byte...
    std::size_t memory_base = 1u << 20;       // ...plus this many
    std::size_t max_output = 64u << 20;       // printed forms (canonical JSON, dis listing): for
                                              // callers; to_json/disassemble take it as an argument
};

struct DecodeOptions {
    Limits limits{};
    // Several pickles back to back (0.3.39+ Message.pickled(a, b, ...)): decode until
    // the input is used up. When false, bytes after the first STOP are an error.
    // decode_first ignores it.
    bool sequence = true;
};

// Decodes `in` into `doc` (cleared first; its storage is reused). Each pickle becomes
// one root; the memo carries over from one pickle to the next, as one Unpickler does.
// Error offsets are byte offsets into `in` (of the opcode); messages name what and
// the opcode, e.g. "cannot unpickle 'builtins'/'set' (GLOBAL at offset 2)". Values
// mitogen accepts but mitokit does not model fail with Errc::unsupported and a
// message starting "mitokit does not model" (docs/pickle.md lists them).
namespace detail {
// decode() (first_only false) or decode_first() (true), with where the decoder
// stopped in `consumed`. They are inline around it: for a small payload their
// own calls would cost as much as its opcodes.
Status decode_into(std::span<const std::uint8_t> in, Document& doc, const DecodeOptions& opt, bool first_only,
                   std::size_t& consumed);
} // namespace detail

inline Status decode(std::span<const std::uint8_t> in, Document& doc, const DecodeOptions& opt = {}) {
    std::size_t consumed = 0;
    return detail::decode_into(in, doc, opt, false, consumed);
}

// Decodes only the first pickle of `in`, as one Unpickler.load() does (mitogen
// 0.3.3's Message.unpickle): `doc` gets one root, and the result is the number of
// bytes that pickle took (the offset just past its STOP). Bytes after that STOP are
// never read, so anything may follow; the caller sees in.size() - consumed and must
// not drop it silently. Errors inside the first pickle are exactly decode()'s.
// Limits scale with the whole of `in`, as decode()'s do.
inline Result<std::size_t> decode_first(std::span<const std::uint8_t> in, Document& doc, const DecodeOptions& opt = {}) {
    std::size_t consumed = 0;
    if (auto st = detail::decode_into(in, doc, opt, true, consumed); !st) return std::move(st).error();
    return consumed;
}

} // namespace mitokit::pickle
