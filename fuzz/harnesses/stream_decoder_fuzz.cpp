// The stream decoder fed in fuzzer-chosen chunks. Invariant: any chunking of the
// same bytes yields the same events (messages, bootstrap events, the error) as
// decoding them in one piece, and every payload view lies inside what was fed. A
// stream in frames mode gives them again to a reader that keeps no decoder at frame
// boundaries (StreamDecoder::scan_frames, then a decoder for a frame a chunk cuts).
#include <FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "mitokit/stream_decoder.hpp"
#include "support/scanning_reader.hpp"

namespace mitokit::fuzz {
namespace {

struct Recorder final : StreamHandler {
    std::string log;
    const std::uint8_t* chunk_begin = nullptr;
    const std::uint8_t* chunk_end = nullptr;
    void on_message(const MessageView& m) override {
        log += "M" + std::to_string(m.offset) + ":" + std::to_string(m.header.handle) + ":" +
               std::to_string(m.header.length) + ":";
        fuzz_check(m.payload.size() == m.header.length, "payload size differs from header length");
        log.append(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
        log += '\n';
    }
    void on_bootstrap(const BootstrapEvent& e) override {
        log += std::string("B") + bootstrap_kind_name(e.kind) + ":" + std::to_string(e.offset) + ":" +
               std::to_string(e.length) + ":" + std::to_string(e.inflated_size) + "\n";
    }
    void on_error(const Error& e) override {
        log += "E" + std::to_string(e.offset) + ":" + errc_name(e.code) + "\n";
    }
};

std::string run(std::span<const std::uint8_t> bytes, const StreamOptions& opt, std::uint64_t chunk_seed) {
    Recorder rec;
    StreamDecoder dec(rec, opt);
    std::size_t pos = 0;
    std::uint64_t s = chunk_seed;
    while (pos < bytes.size()) {
        std::size_t n = bytes.size() - pos;
        if (chunk_seed != 0) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            n = std::min<std::size_t>(n, 1 + (s >> 33) % 64);
        }
        (void)dec.feed(bytes.subspan(pos, n));
        pos += n;
    }
    (void)dec.finish();
    fuzz_check(dec.offset() <= bytes.size(), "decoder offset past the end of the input");
    return rec.log;
}

// The same chunking, read as the simulator reads (support/scanning_reader.hpp).
std::string run_scanning(std::span<const std::uint8_t> bytes, const StreamOptions& opt, std::uint64_t chunk_seed) {
    Recorder rec;
    testing::ScanningReader reader(rec, opt);
    std::size_t pos = 0;
    std::uint64_t s = chunk_seed;
    while (pos < bytes.size()) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const std::size_t n = std::min<std::size_t>(bytes.size() - pos, 1 + (s >> 33) % 64);
        reader.feed(bytes.subspan(pos, n));
        pos += n;
    }
    reader.finish();
    fuzz_check(!reader.scan_overran(), "scan_frames took more than the chunk");
    return rec.log;
}

} // namespace

int fuzz_stream_decoder(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    StreamOptions opt;
    opt.max_message_size = fdp.ConsumeIntegralInRange<std::uint32_t>(0, 1u << 20);
    opt.start = fdp.ConsumeBool() ? StreamStart::frames : StreamStart::detect;
    opt.max_preamble_inflated = 1u << 20;
    opt.max_bootstrap_line = fdp.ConsumeIntegralInRange<std::uint32_t>(1, 4096);
    const auto seed = fdp.ConsumeIntegral<std::uint64_t>() | 1u;
    opt.legacy_only = (seed & 2) != 0; // a bit of the chunking seed: older inputs keep their meaning
    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    const std::string whole = run(bytes, opt, 0);
    const std::string chunked = run(bytes, opt, seed);
    fuzz_check(whole == chunked, "chunked decode differs from whole-buffer decode");
    if (opt.start == StreamStart::frames)
        fuzz_check(run_scanning(bytes, opt, seed) == whole, "scanning at frame boundaries differs from the decoder");
    return 0;
}

} // namespace mitokit::fuzz
