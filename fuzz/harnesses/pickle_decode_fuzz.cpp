// The restricted pickle decoder on arbitrary bytes, then the printers on whatever
// it accepts. Invariant: no crash, and printing stays within its limit.
#include "harness.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/disassembler.hpp"
#include "mitokit/pickle/json.hpp"

namespace mitokit::fuzz {

int fuzz_pickle_decode(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kOut = 1u << 20;
    pickle::DecodeOptions opt;
    opt.limits.max_output = kOut;
    pickle::Document doc;
    const std::span<const std::uint8_t> in(data, size);
    std::string listing;
    (void)pickle::disassemble(in, listing, kOut);
    fuzz_check(listing.size() <= kOut + 4096, "disassembly exceeded its output limit");
    if (!pickle::decode(in, doc, opt)) return 0;
    for (auto root : doc.roots()) {
        std::string json;
        if (pickle::to_json(doc, root, json, kOut)) fuzz_check(json.size() <= kOut, "JSON exceeded its output limit");
    }
    return 0;
}

} // namespace mitokit::fuzz
