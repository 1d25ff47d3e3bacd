// The protocol-2 encoder: byte-identical to CPython 3's pickle.dumps(v, protocol=2)
// for a value built fresh from its canonical JSON (value-json.md), memo included.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::pickle {

struct EncodeOptions {
    // 0.3.39+: a top-level bytes value is written PROTO 2, BINSTRING, STOP instead
    // of the _codecs.encode form (nested bytes are unchanged).
    bool upstream_top_bytes = false;
    // Nesting that is refused (a Document may hold a cycle, or a deep chain).
    std::size_t max_depth = 1000;
    // Bytes one encode() call may write: a small DAG can expand without bound.
    std::size_t max_output = std::size_t{256} << 20;
};

// Appends the pickle of `root` to `out`. Shared nodes are written again where they
// appear (as CPython would for fresh objects), except the objects CPython caches
// (the empty str and bytes, 1-character latin-1 str, 1-byte bytes), which hit
// the memo on their second occurrence. Kinds without canonical JSON (set,
// frozenset, bytearray, memoryview, a bare global) are Errc::unsupported.
Status encode(const Document& doc, NodeId root, std::vector<std::uint8_t>& out,
              const EncodeOptions& opt = {});

// Several pickles back to back with one pickler, as 0.3.39+ Message.pickled(a, b, ...)
// writes them: the memo (and its numbering) carries over from one pickle to the next.
Status encode_sequence(const Document& doc, std::span<const NodeId> roots, std::vector<std::uint8_t>& out,
                       const EncodeOptions& opt = {});

// A pickler that keeps its memo between calls (what encode_sequence uses).
// Fresh objects never repeat, so the memo only needs the next index and where
// CPython's shared objects (cached str/bytes, 'latin1', the globals) went.
class Encoder {
public:
    explicit Encoder(EncodeOptions opt = {}) : opt_(opt) { reset(); }
    Status encode(const Document& doc, NodeId root, std::vector<std::uint8_t>& out);
    void reset(); // forget the memo

private:
    friend class EncodeRun;
    // Memo slots of CPython's shared objects: 0-255 one-character str, 256-511
    // one-byte bytes, then the empty str, the empty bytes, 'latin1' and the 8
    // globals. Only the valid bits are cleared by reset(), so it stays cheap.
    static constexpr std::size_t kShared = 523;
    bool has(std::size_t key) const noexcept { return (valid_[key / 64] >> (key % 64)) & 1u; }
    void set(std::size_t key, std::uint32_t idx) noexcept {
        valid_[key / 64] |= std::uint64_t{1} << (key % 64);
        slot_[key] = idx;
    }
    EncodeOptions opt_;
    std::uint32_t next_ = 0;
    std::array<std::uint64_t, (kShared + 63) / 64> valid_{};
    std::array<std::uint32_t, kShared> slot_; // read only where valid_ says so
};

} // namespace mitokit::pickle
