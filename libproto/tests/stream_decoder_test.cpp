#include "mitokit/stream_decoder.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "mitokit/handles.hpp"
#include "stream_test_util.hpp"
#include "support/scanning_reader.hpp"

namespace mitokit {
namespace {

using testing::from_hex;
using testing::Recorder;

std::vector<std::uint8_t> frame(Encoding enc, std::uint32_t handle, std::string_view payload,
                                std::uint32_t dst = 1, std::uint32_t reply_to = 0) {
    Header h{enc, dst, 0, 0, handle, reply_to, 0};
    return encode_frame(h, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
}

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// Feeds `data` cut at the given points (sorted, inside (0, size)) and finishes.
std::string decode_split(std::span<const std::uint8_t> data, const std::vector<std::size_t>& cuts,
                         StreamOptions opt = {}) {
    Recorder r;
    StreamDecoder d(r, opt);
    std::size_t prev = 0;
    for (std::size_t c : cuts) {
        (void)d.feed(data.subspan(prev, c - prev));
        prev = c;
    }
    (void)d.feed(data.subspan(prev));
    (void)d.finish();
    return r.text;
}

std::string decode_whole(std::span<const std::uint8_t> data, StreamOptions opt = {}) {
    return decode_split(data, {}, opt);
}

std::string decode_bytewise(std::span<const std::uint8_t> data, StreamOptions opt = {}) {
    Recorder r;
    StreamDecoder d(r, opt);
    for (std::size_t i = 0; i < data.size(); ++i) (void)d.feed(data.subspan(i, 1));
    (void)d.finish();
    return r.text;
}

std::uint64_t test_seed() {
    if (const char* s = std::getenv("MITOKIT_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

std::vector<std::size_t> random_cuts(std::mt19937_64& rng, std::size_t size, std::size_t max_chunk) {
    std::vector<std::size_t> cuts;
    std::uniform_int_distribution<std::size_t> step(1, max_chunk);
    for (std::size_t at = step(rng); at < size; at += step(rng)) cuts.push_back(at);
    return cuts;
}

// ---------------------------------------------------------------- frames

TEST(StreamDecoder, DecodesBackToBackFramesWithOffsets) {
    const auto data = cat({frame(Encoding::legacy, handle::GET_MODULE, "mypkg"),
                           frame(Encoding::pickle, 1000, "\x80\x02N."), frame(Encoding::binary, 1001, ""),
                           frame(Encoding::legacy, handle::SHUTDOWN, "")});
    EXPECT_EQ(decode_whole(data, {.start = StreamStart::frames}),
              "frame 4d49 1 0 0 100 0 5 0\n"
              "frame 4d4a 1 0 0 1000 0 4 31\n"
              "frame 4d4b 1 0 0 1001 0 0 61\n"
              "frame 4d49 1 0 0 106 0 0 87\n");
}

TEST(StreamDecoder, ReferenceHexExampleDecodes) {
    // protocol-notes §8: the dead reply "invalid handle".
    const auto data = from_hex("4d49000000000000000100000001000003e9000003e70000000e696e76616c69642068616e646c65");
    Recorder r;
    r.keep_bytes = true;
    StreamDecoder d(r, {.start = StreamStart::frames});
    ASSERT_TRUE(d.feed(data));
    ASSERT_TRUE(d.finish());
    ASSERT_EQ(r.text, "frame 4d49 0 1 1 1001 999 14 0\n");
    EXPECT_EQ(std::string(r.payload_bytes[0].begin(), r.payload_bytes[0].end()), "invalid handle");
    EXPECT_TRUE(d.in_frames());
    EXPECT_EQ(d.offset(), data.size());
}

TEST(StreamDecoder, EverySplitPointAndOneByteFeedingGiveTheSameEvents) {
    const auto data = cat({frame(Encoding::legacy, handle::GET_MODULE, "mypkg"), frame(Encoding::pickle, 1000, ""),
                           frame(Encoding::binary, 5, std::string(300, 'z')), frame(Encoding::legacy, 103, "2:x")});
    const StreamOptions opt{.start = StreamStart::frames};
    const std::string want = decode_whole(data, opt);
    ASSERT_EQ(std::count(want.begin(), want.end(), '\n'), 4);
    EXPECT_EQ(decode_bytewise(data, opt), want);
    for (std::size_t a = 1; a < data.size(); ++a) {
        ASSERT_EQ(decode_split(data, {a}, opt), want) << "split at " << a;
        for (std::size_t b = a + 1; b < data.size(); b += 7)
            ASSERT_EQ(decode_split(data, {a, b}, opt), want) << "split at " << a << "," << b;
    }
}

TEST(StreamDecoder, PayloadIsAViewIntoTheChunkWhenContiguous) {
    std::vector<std::uint8_t> data;
    for (int i = 0; i < 50; ++i) {
        const auto f = frame(Encoding::pickle, 1000 + i, std::string(static_cast<std::size_t>(i * 13), 'a'));
        data.insert(data.end(), f.begin(), f.end());
    }
    const auto seed = test_seed();
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (rerun with MITOKIT_SEED)");
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 40; ++round) {
        const auto cuts = random_cuts(rng, data.size(), 200);
        Recorder r;
        StreamDecoder d(r, {.start = StreamStart::frames});
        std::size_t prev = 0;
        std::size_t seen = 0;
        std::size_t views = 0;
        auto feed = [&](std::size_t end) {
            const std::uint8_t* chunk = data.data() + prev;
            ASSERT_TRUE(d.feed({chunk, end - prev}));
            for (; seen < r.payloads.size(); ++seen) {
                const auto& p = r.payloads[seen];
                const std::uint64_t body = p.offset + HEADER_SIZE;
                const bool inside = body >= prev && body + p.size <= end;
                if (inside && p.size > 0) {
                    EXPECT_EQ(p.data, chunk + (body - prev)) << "frame at " << p.offset << " was copied";
                    ++views;
                } else if (p.size > 0) {
                    EXPECT_FALSE(p.data >= chunk && p.data < chunk + (end - prev))
                        << "assembled payload of frame at " << p.offset << " points into the chunk";
                }
            }
            prev = end;
        };
        for (std::size_t c : cuts) feed(c);
        feed(data.size());
        ASSERT_TRUE(d.finish());
        EXPECT_EQ(r.payloads.size(), 50u);
        EXPECT_GT(views, 0u);
    }
}

TEST(StreamDecoder, AssembledPayloadHasTheRightBytes) {
    std::string body;
    for (int i = 0; i < 1000; ++i) body.push_back(static_cast<char>(i * 7));
    const auto data = cat({frame(Encoding::binary, 7, body), frame(Encoding::binary, 8, "tail")});
    Recorder r;
    r.keep_bytes = true;
    StreamDecoder d(r, {.start = StreamStart::frames});
    for (std::size_t i = 0; i < data.size(); i += 3) ASSERT_TRUE(d.feed(std::span(data).subspan(i, std::min<std::size_t>(3, data.size() - i))));
    ASSERT_TRUE(d.finish());
    ASSERT_EQ(r.payload_bytes.size(), 2u);
    EXPECT_EQ(std::string(r.payload_bytes[0].begin(), r.payload_bytes[0].end()), body);
    EXPECT_EQ(std::string(r.payload_bytes[1].begin(), r.payload_bytes[1].end()), "tail");
}

TEST(StreamDecoder, StaysSmallAndReleasesABigAssemblyBuffer) {
    EXPECT_LE(sizeof(StreamDecoder), 160u);
    const auto big = frame(Encoding::binary, 7, std::string(100000, 'b'));
    for (std::uint32_t prealloc : {16u << 20, 4096u}) {
        SCOPED_TRACE("max_prealloc=" + std::to_string(prealloc));
        Recorder r;
        StreamDecoder d(r, {.start = StreamStart::frames, .retain_buffer = 4096, .max_prealloc = prealloc});
        EXPECT_EQ(d.heap_bytes(), 0u);
        ASSERT_TRUE(d.feed(std::span(big).first(50000)));
        if (prealloc > 100000) {
            EXPECT_EQ(d.heap_bytes(), 100000u); // reserved whole when the header came
        } else {
            EXPECT_GE(d.heap_bytes(), 50000u - HEADER_SIZE); // grows with the bytes...
            EXPECT_LT(d.heap_bytes(), 100000u);              // ...not to the declared size
        }
        ASSERT_TRUE(d.feed(std::span(big).subspan(50000)));
        EXPECT_EQ(r.payloads.size(), 1u);
        EXPECT_EQ(d.heap_bytes(), 0u); // released: past retain_buffer
    }
    // A small assembly buffer is kept for the next split frame.
    Recorder r;
    StreamDecoder d(r, {.start = StreamStart::frames});
    const auto small = frame(Encoding::binary, 7, std::string(1000, 's'));
    ASSERT_TRUE(d.feed(std::span(small).first(500)));
    ASSERT_TRUE(d.feed(std::span(small).subspan(500)));
    EXPECT_EQ(d.heap_bytes(), 1000u);
}

// ---------------------------------------------------------------- errors

TEST(StreamDecoder, BadMagicEndsTheStreamAtItsOffset) {
    auto bad = frame(Encoding::legacy, 100, "abc");
    bad[0] = 'X';
    bad[1] = 'X';
    const auto good = frame(Encoding::legacy, 100, "mypkg");
    const auto data = cat({good, bad, good});
    for (const auto& text : {decode_whole(data, {.start = StreamStart::frames}),
                             decode_bytewise(data, {.start = StreamStart::frames})}) {
        EXPECT_EQ(text, "frame 4d49 1 0 0 100 0 5 0\n"
                        "error bad_encoding 31 bad frame encoding/magic 0x5858 (want 0x4d49 MI, 0x4d4a MJ or 0x4d4b "
                        "MK) in the frame at stream offset 31\n");
    }
}

TEST(StreamDecoder, LegacyOnlyReadsMiAndDropsTheStreamAtAnMjOrMkHeaderAs033Does) {
    const auto mi = frame(Encoding::legacy, 100, "mypkg");
    for (const Encoding enc : {Encoding::pickle, Encoding::binary}) {
        const auto data = cat({mi, frame(enc, 101, "x"), mi});
        // By default every encoding since 0.3.39 is read.
        EXPECT_EQ(decode_whole(data, {.start = StreamStart::frames}).find("error"), std::string::npos);
        const std::string want = std::string("frame 4d49 1 0 0 100 0 5 0\nerror bad_encoding 31 bad frame magic ") +
                                 (enc == Encoding::pickle ? "0x4d4a MJ" : "0x4d4b MK") +
                                 " (0.3.3 reads only 0x4d49 MI) in the frame at stream offset 31\n";
        const StreamOptions legacy{.start = StreamStart::frames, .legacy_only = true};
        EXPECT_EQ(decode_whole(data, legacy), want);
        EXPECT_EQ(decode_bytewise(data, legacy), want);
        // The magic is checked before the length, as 0.3.3 does.
        StreamOptions small = legacy;
        small.max_message_size = 0;
        EXPECT_EQ(decode_whole(cat({frame(enc, 101, "x")}), small),
                  std::string("error bad_encoding 0 bad frame magic ") + (enc == Encoding::pickle ? "0x4d4a MJ" : "0x4d4b MK") +
                      " (0.3.3 reads only 0x4d49 MI) in the frame at stream offset 0\n");
    }
}

TEST(StreamDecoder, ResumedAtAFrameBoundaryReportsWholeStreamOffsets) {
    // A decoder started at offset 31 (after one 31-byte frame) sees the rest of the
    // stream: its frames and errors carry the offsets a single decoder would give.
    auto bad = frame(Encoding::legacy, 100, "abc");
    bad[0] = 'X';
    bad[1] = 'X';
    const auto data = cat({frame(Encoding::legacy, 106, ""), bad});
    Recorder r;
    StreamDecoder d(r, {.start = StreamStart::frames}, 31);
    (void)d.feed(data);
    EXPECT_EQ(d.offset(), 31 + data.size());
    EXPECT_EQ(r.text, "frame 4d49 1 0 0 106 0 0 31\n"
                      "error bad_encoding 57 bad frame encoding/magic 0x5858 (want 0x4d49 MI, 0x4d4a MJ or 0x4d4b "
                      "MK) in the frame at stream offset 57\n");
}

TEST(StreamDecoder, LaterFeedsAfterAnErrorAreIgnored) {
    auto bad = frame(Encoding::legacy, 100, "");
    bad[1] = 0x4c; // "ML"
    Recorder r;
    StreamDecoder d(r, {.start = StreamStart::frames});
    auto s = d.feed(bad);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::bad_encoding);
    EXPECT_NE(s.error().message.find("0x4d4c"), std::string::npos) << s.error().message;
    EXPECT_TRUE(d.failed());
    const auto good = frame(Encoding::legacy, 100, "x");
    auto again = d.feed(good);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::bad_encoding);
    EXPECT_FALSE(d.finish());
    EXPECT_EQ(r.payloads.size(), 0u);
    EXPECT_EQ(r.errors.size(), 1u); // on_error exactly once
}

TEST(StreamDecoder, RestartedDecoderForgetsItsPastAndReportsToTheNewHandler) {
    // A failed decoder, and one left mid-frame, each restarted for another stream:
    // they behave as freshly made ones (new handler, new start, new offset).
    auto bad = frame(Encoding::legacy, 100, "");
    bad[0] = 'X';
    const auto good = frame(Encoding::legacy, 106, "xy");
    Recorder first, second, third;
    StreamDecoder d(first, {.start = StreamStart::frames});
    ASSERT_FALSE(d.feed(bad));
    d.restart(second, {.start = StreamStart::frames}, 100);
    EXPECT_FALSE(d.failed());
    EXPECT_TRUE(d.feed(good));
    EXPECT_TRUE(d.feed(std::span<const std::uint8_t>(good).first(good.size() - 1))); // all but the last byte
    EXPECT_EQ(d.offset(), 100 + 2 * good.size() - 1);
    d.restart(third, {.start = StreamStart::lines}, 7);
    EXPECT_FALSE(d.in_frames());
    EXPECT_TRUE(d.feed(bytes("MITO002\n")));
    EXPECT_TRUE(d.feed(good));
    EXPECT_TRUE(d.finish());
    EXPECT_EQ(first.errors.size(), 1u);
    EXPECT_EQ(second.text, "frame 4d49 1 0 0 106 0 2 100\n");
    EXPECT_EQ(third.payloads.size(), 1u);
    EXPECT_EQ(third.errors.size(), 0u);
    EXPECT_NE(third.text.find("frame 4d49 1 0 0 106 0 2 15\n"), std::string::npos) << third.text;
}

TEST(StreamDecoder, OversizeIsReportedAtTheFrameBeforeTheBodyArrives) {
    const auto ok = frame(Encoding::pickle, 1000, std::string(1000, 'x'));
    const auto big = frame(Encoding::pickle, 1000, std::string(1001, 'x'));
    const StreamOptions opt{.max_message_size = 1000, .start = StreamStart::frames};
    Recorder r;
    StreamDecoder d(r, opt);
    ASSERT_TRUE(d.feed(ok));
    auto s = d.feed(std::span(big).first(HEADER_SIZE)); // header only: already fatal
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::oversize);
    EXPECT_EQ(s.error().offset, ok.size());
    EXPECT_EQ(s.error().message, "frame length 1001 exceeds max_message_size 1000 in the frame at stream offset 1026");
    EXPECT_EQ(decode_bytewise(cat({ok, big}), opt), decode_whole(cat({ok, big}), opt));
}

TEST(StreamDecoder, DefaultMaxMessageSizeIs128MiB) {
    Header h{Encoding::legacy, 0, 0, 0, 100, 0, DEFAULT_MAX_MESSAGE_SIZE + 1};
    const auto hb = encode_header(h);
    auto items = decode_all(hb, {.start = StreamStart::frames}).items;
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].kind, DecodedStream::Item::Kind::error);
    EXPECT_EQ(items[0].err.code, Errc::oversize);
    h.length = DEFAULT_MAX_MESSAGE_SIZE;
    items = decode_all(encode_header(h), {.start = StreamStart::frames}).items;
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].err.code, Errc::truncated); // accepted, then cut short
}

TEST(StreamDecoder, TruncatedHeaderAndPayloadAreReportedByFinish) {
    const auto f = frame(Encoding::legacy, 100, "mypkg");
    const StreamOptions opt{.start = StreamStart::frames};
    EXPECT_EQ(decode_whole(std::span(f).first(10), opt),
              "error truncated 0 stream ended inside a frame header (10 of 26 bytes) at stream offset 0\n");
    const auto two = cat({f, f});
    EXPECT_EQ(decode_whole(std::span(two).first(two.size() - 2), opt),
              "frame 4d49 1 0 0 100 0 5 0\n"
              "error truncated 31 stream ended inside a frame's payload (3 of 5 bytes) of the frame at stream offset "
              "31\n");
    EXPECT_EQ(decode_bytewise(std::span(two).first(two.size() - 2), opt),
              decode_whole(std::span(two).first(two.size() - 2), opt));
    EXPECT_EQ(decode_whole({}, opt), "");
    Recorder r;
    StreamDecoder d(r, opt);
    ASSERT_TRUE(d.feed(f));
    EXPECT_TRUE(d.finish()); // clean end between frames
}

// ---------------------------------------------------------------- bootstrap

TEST(StreamDecoder, ChildLinesWithNoiseThenFrames) {
    const auto data = cat({bytes("OpenSSH banner\r\n\nsome MITO000 here\nMITO001\nnoise MITO002 and more\n"),
                           frame(Encoding::legacy, 1000, "\x80\x02N.", 0)});
    Recorder r;
    StreamDecoder d(r);
    ASSERT_TRUE(d.feed(data));
    ASSERT_TRUE(d.finish());
    EXPECT_EQ(r.text, "line noise 0 16\n"
                      "line noise 16 1\n"
                      "line MITO000 17 18\n"
                      "line MITO001 35 8\n"
                      "line MITO002 43 23\n"
                      "frame 4d49 0 0 0 1000 0 4 66\n");
    ASSERT_EQ(r.bootstrap_text.size(), 5u);
    EXPECT_EQ(r.bootstrap_text[0], "OpenSSH banner\r");
    EXPECT_EQ(r.bootstrap_text[2], "some MITO000 here");
    EXPECT_EQ(decode_bytewise(data), r.text);
    for (std::size_t a = 1; a < data.size(); ++a) ASSERT_EQ(decode_split(data, {a}), r.text) << a;
}

TEST(StreamDecoder, MarkersAreSearchedInTheReferenceOrder) {
    // A line holding two markers counts as the first one the reference tries.
    EXPECT_EQ(decode_whole(bytes("MITO002 MITO000\nMITO002\n")), "line MITO000 0 16\nline MITO002 16 8\n");
    EXPECT_EQ(decode_whole(bytes("MITO002 MITO001\n")), "line MITO001 0 16\n"
                                                         "error truncated 16 stream ended during the bootstrap, "
                                                         "before MITO002 at stream offset 16\n");
}

TEST(StreamDecoder, BootstrapErrors) {
    EXPECT_EQ(decode_whole(bytes("MITO000\nMITO0")),
              "line MITO000 0 8\nerror truncated 8 stream ended during the bootstrap, before MITO002 (inside an "
              "unterminated line) at stream offset 8\n");
    const std::string long_line = "MITO000\n" + std::string(65, 'n') + "\n";
    const StreamOptions opt{.max_bootstrap_line = 64};
    const std::string want = "line MITO000 0 8\nerror limit 8 bootstrap line longer than max_bootstrap_line (64 "
                             "bytes) before MITO002 at stream offset 8\n";
    EXPECT_EQ(decode_whole(bytes(long_line), opt), want);
    EXPECT_EQ(decode_bytewise(bytes(long_line), opt), want);
    EXPECT_EQ(decode_whole(bytes(long_line.substr(0, 73)), opt), want); // no newline needed to fail
    const std::string exact = "MITO000\n" + std::string(64, 'n') + "\nMITO002\n";
    EXPECT_EQ(decode_whole(bytes(exact), opt), "line MITO000 0 8\nline noise 8 65\nline MITO002 73 8\n");
    EXPECT_EQ(decode_whole(bytes("MI")),
              "error truncated 0 stream ended after 2 bytes, inside a frame header at stream offset 0\n");
    EXPECT_EQ(decode_whole(bytes("MIT")),
              "error truncated 0 stream ended after 3 bytes, inside a bootstrap line at stream offset 0\n");
}

std::vector<std::uint8_t> make_preamble(std::string_view text, int level = 9);

TEST(StreamDecoder, PreambleThenFrames) {
    const std::string src = "print('core')\n" + std::string(5000, '#') +
                            "\nExternalContext({'context_id': 7, 'x': '))'}).main()\n";
    const auto z = make_preamble(src);
    const auto data = cat({z, frame(Encoding::legacy, 101, "call")});
    Recorder r;
    StreamDecoder d(r);
    ASSERT_TRUE(d.feed(data));
    ASSERT_TRUE(d.finish());
    EXPECT_EQ(r.text, "preamble 0 " + std::to_string(z.size()) + " " + std::to_string(src.size()) + "\nframe 4d49 1 0 0 101 0 4 " +
                          std::to_string(z.size()) + "\n");
    ASSERT_EQ(r.bootstrap_text.size(), 1u);
    EXPECT_EQ(r.bootstrap_text[0], "{'context_id': 7, 'x': '))'}");
    EXPECT_EQ(decode_bytewise(data), r.text);
    for (std::size_t a = 1; a < data.size(); a += 5) ASSERT_EQ(decode_split(data, {a}), r.text) << a;
    // The same bytes with an explicit start mode.
    EXPECT_EQ(decode_whole(data, {.start = StreamStart::preamble}), r.text);
}

TEST(StreamDecoder, PreambleErrors) {
    const std::string src(100000, 'a');
    const auto z = make_preamble(src);
    const StreamOptions capped{.max_preamble_inflated = 50000};
    const std::string want_cap = "error decompress 0 preamble inflates past max_preamble_inflated (50000 bytes) in "
                                 "the preamble starting at stream offset 0\n";
    EXPECT_EQ(decode_whole(z, capped), want_cap);
    EXPECT_EQ(decode_bytewise(z, capped), want_cap);

    auto corrupt = make_preamble("hello hello hello hello");
    corrupt[2] = 0xff; // an invalid block type
    const auto text = decode_whole(corrupt);
    EXPECT_EQ(text.rfind("error decompress 0 preamble is not valid zlib data (", 0), 0u) << text;
    EXPECT_EQ(decode_bytewise(corrupt), text);

    EXPECT_EQ(decode_whole(std::span(z).first(z.size() - 1)),
              "error truncated 0 stream ended inside the preamble (" + std::to_string(z.size() - 1) +
                  " compressed bytes read) at stream offset 0\n");
    EXPECT_EQ(decode_whole(bytes("MITO000\n"), {.start = StreamStart::preamble}).rfind("error decompress 0 ", 0), 0u);
}

TEST(StreamDecoder, ForkLinkStartsWithFramesInDetectMode) {
    // fork(): the parent sends frames at once, and a frame whose dst starts "TO" is not a marker.
    const auto data = cat({frame(Encoding::legacy, 101, "x", 0x12345678), frame(Encoding::pickle, 101, "y")});
    EXPECT_EQ(decode_whole(data), "frame 4d49 305419896 0 0 101 0 1 0\nframe 4d4a 1 0 0 101 0 1 27\n");
    EXPECT_EQ(decode_bytewise(data), decode_whole(data));
}

TEST(StreamDecoder, DecodeAllCollectsEveryKindOfItem) {
    const auto data = cat({bytes("MITO002\n"), frame(Encoding::legacy, 104, "4"), bytes("XX")});
    const auto out = decode_all(data);
    ASSERT_EQ(out.items.size(), 3u);
    EXPECT_EQ(out.items[0].kind, DecodedStream::Item::Kind::bootstrap);
    EXPECT_EQ(out.items[0].bootstrap.kind, BootstrapKind::mito002);
    EXPECT_EQ(out.items[0].text, "MITO002");
    EXPECT_EQ(out.items[1].kind, DecodedStream::Item::Kind::message);
    EXPECT_EQ(out.items[1].header.handle, handle::DEL_ROUTE);
    EXPECT_EQ(out.items[1].payload, bytes("4"));
    EXPECT_EQ(out.items[1].offset, 8u);
    EXPECT_EQ(out.items[2].kind, DecodedStream::Item::Kind::error);
    EXPECT_EQ(out.items[2].err.code, Errc::truncated);
    EXPECT_EQ(out.items[2].offset, 35u);
}

TEST(StreamDecoder, KindNames) {
    EXPECT_STREQ(bootstrap_kind_name(BootstrapKind::mito000), "MITO000");
    EXPECT_STREQ(bootstrap_kind_name(BootstrapKind::preamble), "preamble");
    EXPECT_STREQ(bootstrap_kind_name(BootstrapKind::noise), "noise");
}

} // namespace
} // namespace mitokit

#include <zlib.h>

namespace mitokit {
namespace {
std::vector<std::uint8_t> make_preamble(std::string_view text, int level) {
    uLongf n = compressBound(static_cast<uLong>(text.size()));
    std::vector<std::uint8_t> out(n);
    compress2(out.data(), &n, reinterpret_cast<const Bytef*>(text.data()), static_cast<uLong>(text.size()), level);
    out.resize(n);
    return out;
}
} // namespace
} // namespace mitokit

namespace mitokit {
namespace {

// Streams glued from random pieces (frames good and bad, marker and noise lines,
// preambles whole, corrupt or cut, raw garbage) decode to the same events under
// any chunking, errors included.
TEST(StreamDecoder, RandomStreamsAreChunkingInvariant) {
    const auto seed = test_seed();
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (rerun with MITOKIT_SEED)");
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto z = make_preamble("core source\nExternalContext({'context_id': 3}).main()\n");
    for (int round = 0; round < 300; ++round) {
        std::vector<std::uint8_t> data;
        const std::size_t pieces = 1 + pick(6);
        for (std::size_t i = 0; i < pieces; ++i) {
            std::vector<std::uint8_t> p;
            switch (pick(9)) {
            case 0: p = bytes("MITO000\n"); break;
            case 1: p = bytes("MITO002\n"); break;
            case 2: p = bytes("ssh noise\r\n"); break;
            case 3: p = z; break;
            case 4: p = std::vector<std::uint8_t>(z.begin(), z.begin() + static_cast<long>(pick(z.size()))); break;
            case 5: {
                p = z;
                p[2 + pick(p.size() - 2)] ^= static_cast<std::uint8_t>(1 + pick(255));
                break;
            }
            case 6: {
                auto f = frame(static_cast<Encoding>(0x4d49 + pick(3)), static_cast<std::uint32_t>(pick(2000)),
                               std::string(pick(300), 'p'));
                if (pick(8) == 0) f[1] = static_cast<std::uint8_t>(pick(256)); // maybe a bad magic
                p = f;
                break;
            }
            case 7: p = frame(Encoding::legacy, 101, std::string(pick(40), 'q')); p.resize(pick(p.size() + 1)); break;
            default:
                for (std::size_t k = pick(20); k > 0; --k) p.push_back(static_cast<std::uint8_t>(rng()));
            }
            data.insert(data.end(), p.begin(), p.end());
        }
        StreamOptions opt;
        opt.start = static_cast<StreamStart>(pick(4));
        opt.max_message_size = pick(4) == 0 ? 100 : DEFAULT_MAX_MESSAGE_SIZE;
        opt.max_bootstrap_line = pick(4) == 0 ? 16 : 64u << 10;
        opt.max_preamble_inflated = pick(4) == 0 ? 20 : 64u << 20;
        const std::string want = decode_whole(data, opt);
        ASSERT_EQ(decode_bytewise(data, opt), want) << "round " << round;
        for (int k = 0; k < 3; ++k)
            ASSERT_EQ(decode_split(data, random_cuts(rng, data.size(), 1 + pick(64)), opt), want) << "round " << round;
    }
}

// The stream read as the simulator reads it (support/scanning_reader.hpp), cut at `cuts`.
std::string decode_scanning(std::span<const std::uint8_t> data, const std::vector<std::size_t>& cuts,
                            const StreamOptions& opt) {
    Recorder r;
    testing::ScanningReader reader(r, opt);
    std::size_t prev = 0;
    for (std::size_t c : cuts) {
        reader.feed(data.subspan(prev, c - prev));
        prev = c;
    }
    reader.feed(data.subspan(prev));
    reader.finish();
    EXPECT_FALSE(reader.scan_overran());
    return r.text;
}

TEST(StreamDecoder, ScanningAtFrameBoundariesGivesTheDecodersEvents) {
    const auto seed = test_seed();
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (rerun with MITOKIT_SEED)");
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    int scanned_errors = 0;
    for (int round = 0; round < 400; ++round) {
        std::vector<std::uint8_t> data;
        for (std::size_t i = 1 + pick(8); i > 0; --i) {
            auto f = frame(static_cast<Encoding>(0x4d49 + pick(3)), static_cast<std::uint32_t>(pick(2000)),
                           std::string(pick(120), 'p'));
            if (pick(10) == 0) f[1] = static_cast<std::uint8_t>(pick(256)); // maybe a bad magic
            data.insert(data.end(), f.begin(), f.end());
        }
        if (pick(4) == 0) data.resize(pick(data.size() + 1)); // cut short
        StreamOptions opt{.start = StreamStart::frames};
        opt.legacy_only = pick(2) == 0;
        opt.max_message_size = pick(5) == 0 ? 60 : DEFAULT_MAX_MESSAGE_SIZE;
        Recorder whole;
        StreamDecoder one(whole, opt);
        (void)one.feed(data);
        const std::string want = decode_whole(data, opt);
        for (int k = 0; k < 3; ++k) {
            const auto cuts = k == 0 ? std::vector<std::size_t>{} : random_cuts(rng, data.size(), 1 + pick(16));
            ASSERT_EQ(decode_scanning(data, cuts, opt), want) << "round " << round;
        }
        scanned_errors += one.failed();
    }
    EXPECT_GT(scanned_errors, 0); // bad headers were among the streams
}

TEST(StreamDecoder, ScanFramesStopsAtACutFrameAndAtABadHeader) {
    const auto a = frame(Encoding::legacy, 100, "mypkg"), b = frame(Encoding::legacy, 101, "abc");
    auto bad = b;
    bad[0] = 'X';
    const auto data = cat({a, b});
    Recorder r;
    const FrameScan cut = StreamDecoder::scan_frames(std::span(data).first(data.size() - 1), {}, r, 100);
    EXPECT_EQ(cut.taken, a.size());
    EXPECT_FALSE(cut.failed);
    EXPECT_EQ(r.text, "frame 4d49 1 0 0 100 0 5 100\n");
    Recorder e;
    const auto with_bad = cat({a, bad, b});
    const FrameScan stop = StreamDecoder::scan_frames(with_bad, {}, e, 0);
    EXPECT_EQ(stop.taken, a.size());
    EXPECT_TRUE(stop.failed);
    EXPECT_EQ(e.text, "frame 4d49 1 0 0 100 0 5 0\n"
                      "error bad_encoding 31 bad frame encoding/magic 0x5849 (want 0x4d49 MI, 0x4d4a MJ or 0x4d4b "
                      "MK) in the frame at stream offset 31\n");
}

} // namespace
} // namespace mitokit
