// The protocol-2 encoder: byte-identical to CPython 3's pickle.dumps(v, protocol=2)
// for a value built fresh from its canonical JSON (value-json.md), memo included.
#pragma once

#include <cstdint>
#include <vector>

#include "mitokit/pickle/value.hpp"
#include "mitokit/result.hpp"

namespace mitokit::pickle {

struct EncodeOptions {
    // 0.3.39+: a top-level bytes value is written PROTO 2, BINSTRING, STOP instead
    // of the _codecs.encode form (nested bytes are unchanged).
    bool upstream_top_bytes = false;
};

// Appends the pickle of `root` to `out`. Shared nodes are written again where they
// appear (as CPython would for fresh objects), except the objects CPython caches.
Status encode(const Document& doc, NodeId root, std::vector<std::uint8_t>& out,
              const EncodeOptions& opt = {});

} // namespace mitokit::pickle
