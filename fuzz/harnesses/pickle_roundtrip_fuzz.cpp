// decode -> encode -> decode: the canonical JSON of each value must agree, and
// JSON -> value -> JSON must give the same text.
#include <string>
#include <vector>

#include "harness.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"

namespace mitokit::fuzz {

int fuzz_pickle_roundtrip(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kOut = 1u << 18;
    pickle::Document doc;
    if (!pickle::decode({data, size}, doc)) return 0;
    for (auto root : doc.roots()) {
        std::string json;
        if (!pickle::to_json(doc, root, json, kOut)) continue; // too large to print: skip
        std::vector<std::uint8_t> bytes;
        auto enc = pickle::encode(doc, root, bytes);
        if (!enc) fuzz_fail("encode refused a decoded value: " + enc.error().message);
        pickle::Document again;
        auto dec = pickle::decode(bytes, again);
        if (!dec) fuzz_fail("decode refused our own encoding: " + dec.error().message);
        fuzz_check(again.roots().size() == 1, "our encoding decoded to other than one value");
        std::string json2;
        fuzz_check(static_cast<bool>(pickle::to_json(again, again.root(), json2, kOut)), "re-decoded value does not print");
        fuzz_check(json == json2, "round trip changed the value: " + json + " vs " + json2);
        pickle::Document parsed;
        auto node = pickle::from_json(json, parsed);
        if (!node) fuzz_fail("canonical JSON does not parse back: " + node.error().message);
        std::string json3;
        fuzz_check(static_cast<bool>(pickle::to_json(parsed, *node, json3, kOut)), "parsed JSON does not print");
        fuzz_check(json == json3, "JSON round trip changed the text");
    }
    return 0;
}

} // namespace mitokit::fuzz
