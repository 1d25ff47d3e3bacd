// Stream decoding throughput against memcpy of the same buffer.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::bench {
namespace {

constexpr std::size_t CHUNK = 128u << 10; // the reference's read size (CHUNK_SIZE)

struct Counter : StreamHandler {
    std::uint64_t messages = 0;
    std::uint64_t payload_bytes = 0;
    void on_message(const MessageView& m) override {
        ++messages;
        payload_bytes += m.payload.size();
        benchmark::DoNotOptimize(m.payload.data());
    }
};

// Back-to-back frames, just over `total` bytes, with `payload` bytes each.
std::vector<std::uint8_t> make_stream(std::size_t payload, std::size_t total) {
    std::vector<std::uint8_t> body(payload);
    for (std::size_t i = 0; i < payload; ++i) body[i] = static_cast<std::uint8_t>(i * 131 + 7);
    Header h;
    h.enc = Encoding::binary;
    h.dst_id = 1;
    h.handle = 1000;
    std::vector<std::uint8_t> out;
    const std::size_t frame = HEADER_SIZE + payload;
    const std::size_t n = (total + frame - 1) / frame; // at least `total` bytes, whole frames
    out.reserve(n * frame);
    for (std::size_t i = 0; i < n; ++i) {
        const auto f = encode_frame(h, body);
        out.insert(out.end(), f.begin(), f.end());
    }
    return out;
}

// chunk == 0: the whole buffer in one feed (every payload a zero-copy view).
// retain: keep the assembly buffer between frames (StreamOptions::retain_buffer) instead of
// the default, which frees a buffer above 64 KiB after its frame.
void decode(benchmark::State& state, std::size_t payload, std::size_t chunk, bool retain = false) {
    const auto buf = make_stream(payload, 8u << 20);
    StreamOptions opt;
    opt.start = StreamStart::frames;
    if (retain) opt.retain_buffer = static_cast<std::uint32_t>(payload);
    for (auto _ : state) {
        Counter c;
        StreamDecoder d(c, opt);
        const std::size_t step = chunk ? chunk : buf.size();
        for (std::size_t pos = 0; pos < buf.size(); pos += step)
            (void)d.feed({buf.data() + pos, std::min(step, buf.size() - pos)});
        (void)d.finish();
        if (c.payload_bytes != (buf.size() / (HEADER_SIZE + payload)) * payload) state.SkipWithError("lost frames");
        benchmark::DoNotOptimize(c.messages);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}

void copy(benchmark::State& state, std::size_t payload) {
    const auto buf = make_stream(payload, 8u << 20);
    std::vector<std::uint8_t> dst(buf.size());
    for (auto _ : state) {
        std::memcpy(dst.data(), buf.data(), buf.size());
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}

void BM_Memcpy_100B(benchmark::State& s) { copy(s, 100); }
void BM_Memcpy_1MiB(benchmark::State& s) { copy(s, 1u << 20); }
void BM_StreamDecode_100B(benchmark::State& s) { decode(s, 100, CHUNK); }
void BM_StreamDecode_1MiB(benchmark::State& s) { decode(s, 1u << 20, CHUNK); }
void BM_StreamDecode_1MiB_Retain(benchmark::State& s) { decode(s, 1u << 20, CHUNK, true); }
void BM_StreamDecode_100B_OneChunk(benchmark::State& s) { decode(s, 100, 0); }
void BM_StreamDecode_1MiB_OneChunk(benchmark::State& s) { decode(s, 1u << 20, 0); }

BENCHMARK(BM_Memcpy_100B);
BENCHMARK(BM_StreamDecode_100B);
BENCHMARK(BM_StreamDecode_100B_OneChunk);
BENCHMARK(BM_Memcpy_1MiB);
BENCHMARK(BM_StreamDecode_1MiB);
BENCHMARK(BM_StreamDecode_1MiB_Retain);
BENCHMARK(BM_StreamDecode_1MiB_OneChunk);

} // namespace
} // namespace mitokit::bench
