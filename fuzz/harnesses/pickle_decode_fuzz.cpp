// The restricted pickle decoder on arbitrary bytes, then the printers on whatever
// it accepts. Invariants: no crash, printing stays within its limit, and
// decode_first stops at the first STOP, fails exactly where decode fails inside
// the first pickle, and never parses what follows it.
#include "harness.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/disassembler.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/pickle/small.hpp"
#include "mitokit/payloads.hpp"

namespace mitokit::fuzz {
namespace {

std::string first_json(const pickle::Document& doc) {
    std::string json;
    if (!pickle::to_json(doc, doc.roots()[0], json, 1u << 20)) return "<too long>";
    return json;
}

void check_first(std::span<const std::uint8_t> in, const pickle::DecodeOptions& opt) {
    pickle::Document first;
    auto used = pickle::decode_first(in, first, opt);
    if (!used) {
        // The first pickle failed: so does the sequence, with the same error.
        pickle::Document all;
        auto whole = pickle::decode(in, all, opt);
        fuzz_check(!whole && whole.error().message == used.error().message && whole.error().offset == used.error().offset,
                   "decode_first failed where decode did not, or with another error");
        return;
    }
    fuzz_check(*used > 0 && *used <= in.size() && first.roots().size() == 1, "decode_first consumed length or roots");
    fuzz_check(in[*used - 1] == 0x2e, "decode_first did not end at a STOP");
    // (decode's first root may differ: a later pickle can BINGET and change it.)
    const std::string json = first_json(first);
    // What follows the STOP was not parsed: the pickle alone decodes the same, unless
    // the smaller input's memory budget (scaled by input size) stops it, or a FRAME
    // reached into the tail (CPython checks a frame's bytes exist, then reads on).
    pickle::Document alone;
    auto again = pickle::decode_first(in.first(*used), alone, opt);
    if (!again && (again.error().code == Errc::limit || again.error().code == Errc::truncated)) return;
    fuzz_check(again && *again == *used && first_json(alone) == json, "decode_first read past the first STOP");
}

// The byte-level readers of the small pickles (pickle/small.hpp, the
// _proxy_connect reply) answer only where the decoder reads the same value.
void check_small_readers(std::span<const std::uint8_t> in) {
    const auto scalar = pickle::small::read_scalar(in);
    const auto connected = payload::connect_reply_id(in);
    if (!scalar && !connected) return;
    pickle::Document doc;
    fuzz_check(static_cast<bool>(pickle::decode(in, doc)) && doc.roots().size() == 1,
               "a small reader took a payload the decoder refuses");
    const pickle::Node& root = doc[doc.root()];
    if (scalar) {
        fuzz_check(*scalar ? root.kind == pickle::Kind::integer && root.i == **scalar : root.kind == pickle::Kind::none,
                   "read_scalar disagrees with the decoder");
    } else {
        fuzz_check(root.kind == pickle::Kind::dict && root.items.size() == 6 &&
                       doc[root.items[1]].kind == pickle::Kind::integer && doc[root.items[1]].i == *connected,
                   "connect_reply_id disagrees with the decoder");
    }
}

} // namespace

int fuzz_pickle_decode(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t kOut = 1u << 20;
    pickle::DecodeOptions opt;
    opt.limits.max_output = kOut;
    pickle::Document doc;
    const std::span<const std::uint8_t> in(data, size);
    std::string listing;
    (void)pickle::disassemble(in, listing, kOut);
    fuzz_check(listing.size() <= kOut + 4096, "disassembly exceeded its output limit");
    check_first(in, opt);
    check_small_readers(in);
    if (!pickle::decode(in, doc, opt)) return 0;
    for (auto root : doc.roots()) {
        std::string json;
        if (pickle::to_json(doc, root, json, kOut)) fuzz_check(json.size() <= kOut, "JSON exceeded its output limit");
    }
    return 0;
}

} // namespace mitokit::fuzz
