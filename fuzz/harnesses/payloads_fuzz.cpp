// Every typed payload parser, chosen by a fuzzer-picked header, plus LOAD_MODULE
// source decompression under a small cap.
#include <FuzzedDataProvider.h>

#include <vector>

#include "harness.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"

namespace mitokit::fuzz {

int fuzz_payloads(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    static constexpr std::uint32_t kHandles[] = {100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 1000, 1234};
    static constexpr Encoding kEnc[] = {Encoding::legacy, Encoding::pickle, Encoding::binary};
    Header h;
    h.enc = fdp.PickValueInArray(kEnc);
    h.handle = fdp.PickValueInArray(kHandles);
    h.reply_to = fdp.ConsumeBool() ? handle::IS_DEAD : fdp.ConsumeIntegralInRange<std::uint32_t>(0, 1100);
    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    h.length = static_cast<std::uint32_t>(bytes.size());
    pickle::DecodeOptions opt;
    opt.limits.max_output = 1u << 18;
    auto typed = payload::parse_any(h, bytes, opt);
    if (typed) {
        // Bytes after the pickle: only MI has them, and the pickle alone parses as
        // the same kind of payload with none (unless its smaller budget is hit, or
        // a FRAME's length reached into the tail).
        const std::size_t tail = payload::trailing_bytes(*typed);
        fuzz_check(tail < bytes.size() || (tail == 0 && bytes.empty()), "trailing bytes beyond the payload");
        fuzz_check(tail == 0 || h.enc == Encoding::legacy, "trailing bytes outside an MI payload");
        if (tail) {
            auto alone = payload::parse_any(h, std::span(bytes).first(bytes.size() - tail), opt);
            fuzz_check((alone && alone->index() == typed->index() && payload::trailing_bytes(*alone) == 0) ||
                           (!alone && (alone.error().code == Errc::limit || alone.error().code == Errc::truncated)),
                       "the pickle without its tail parses differently");
        }
        if (auto* lm = std::get_if<payload::LoadModule>(&*typed); lm && lm->compressed) {
            auto src = payload::inflate_source(*lm->compressed, 1u << 20);
            if (src) fuzz_check(src->size() <= (1u << 20), "inflate exceeded its cap");
            // A parsed LOAD_MODULE rebuilds to bytes that parse to the same fields.
            auto again = payload::parse_load_module(payload::build_load_module(*lm));
            fuzz_check(again && again->fullname == lm->fullname && again->related == lm->related &&
                           again->path == lm->path && again->compressed == lm->compressed,
                       "LOAD_MODULE rebuild changed its fields");
        }
    }
    // The route reader for what RouteMonitor writes answers only where the general
    // parser agrees, and what it reads writes back to the same bytes.
    if (const auto v = payload::read_route(bytes); v && (h.handle == handle::ADD_ROUTE || h.handle == handle::DEL_ROUTE)) {
        auto r = payload::parse_route(h.handle, bytes);
        fuzz_check(r && r->id == v->id && r->name.has_value() == v->has_name && r->name.value_or("") == v->name,
                   "read_route disagrees with parse_route");
        if (v->has_name == !v->name.empty()) {
            std::vector<std::uint8_t> w;
            payload::write_route(v->id, v->name, w);
            fuzz_check(w == bytes, "write_route does not give back what read_route read");
        }
    }
    return 0;
}

int fuzz_inflate(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto src = payload::inflate_source(in, 1u << 16);
    if (src) {
        fuzz_check(src->size() <= (1u << 16), "inflate exceeded its cap");
        auto again = payload::inflate_source(payload::deflate_source(*src), 1u << 16);
        fuzz_check(again && *again == *src, "deflate/inflate round trip changed the source");
    }
    return 0;
}

} // namespace mitokit::fuzz
