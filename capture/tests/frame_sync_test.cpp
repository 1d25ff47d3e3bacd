#include "mitokit/capture/frame_sync.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace mitokit::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes frame(std::uint32_t handle, Bytes payload, std::uint16_t enc = 0x4d49, std::uint32_t dst = 1) {
    Header h;
    h.enc = static_cast<Encoding>(enc);
    h.dst_id = dst;
    h.handle = handle;
    return encode_frame(h, payload);
}

Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

TEST(PlausibleFrameStart, RealHeaders) {
    EXPECT_EQ(plausible_frame_start(frame(100, {'o', 's'})), Plausibility::yes);
    EXPECT_EQ(plausible_frame_start(frame(1000, {0x80, 0x02, 'N', '.'})), Plausibility::yes);
    EXPECT_EQ(plausible_frame_start(frame(101, {0x80, 0x02, 'N', '.'}, 0x4d4a)), Plausibility::yes);
}

TEST(PlausibleFrameStart, RefusesWhatRealTreesNeverSend) {
    EXPECT_EQ(plausible_frame_start(Bytes{'X', 'X', 0, 0}), Plausibility::no);  // no such encoding
    EXPECT_EQ(plausible_frame_start(frame(100, {}, 0x4d49, 1u << 24)), Plausibility::no);  // dst too big
    EXPECT_EQ(plausible_frame_start(frame(1000, {'a', 'b'})), Plausibility::no);  // a reply that is no pickle
    SyncOptions small;
    small.max_message_size = 1;
    EXPECT_EQ(plausible_frame_start(frame(102, {'a', 'b'}), small), Plausibility::no);  // over the size limit
}

TEST(PlausibleFrameStart, WaitsForTheBytesThatDecide) {
    Bytes f = frame(1000, {0x80, 0x02, 'N', '.'});
    EXPECT_EQ(plausible_frame_start(Bytes(f.begin(), f.begin() + 10)), Plausibility::need_more);
    EXPECT_EQ(plausible_frame_start(Bytes(f.begin(), f.begin() + 27)), Plausibility::need_more);
    EXPECT_EQ(plausible_frame_start(Bytes{}), Plausibility::need_more);
}

TEST(FrameSync, FindsTheFirstHeaderAfterTheTailOfAFrame) {
    const Bytes tail = {'e', 'n', 'd', ' ', 'o', 'f', ' ', 'a', ' ', 'l', 'i', 'n', 'e', '\n'};
    const Bytes next = frame(1001, {0x80, 0x02, 'K', 0x07, '.'});
    const Bytes all = cat(tail, next);
    FrameSync sync({}, 500);
    auto rest = sync.feed(all);
    ASSERT_TRUE(sync.found());
    EXPECT_EQ(sync.offset(), 500 + tail.size());
    EXPECT_EQ(sync.skipped(), tail.size());
    EXPECT_EQ(Bytes(rest.begin(), rest.end()), next);
}

TEST(FrameSync, AHeaderSplitAcrossChunksIsFound) {
    // A reply's header is decided by its payload's PROTO opcode, two bytes after it.
    const Bytes junk(40, 0xAA);
    const Bytes next = frame(1000, {0x80, 0x02, 'N', '.'});
    const Bytes all = cat(junk, next);
    FrameSync sync;
    std::size_t i = 0;
    std::span<const std::uint8_t> rest;
    for (; i < all.size() && !sync.found(); ++i) {
        rest = sync.feed({&all[i], 1});
        EXPECT_LE(sync.held(), HEADER_SIZE + 2);
    }
    ASSERT_TRUE(sync.found());
    EXPECT_EQ(i, junk.size() + HEADER_SIZE + 2);
    EXPECT_EQ(sync.offset(), junk.size());
    EXPECT_EQ(sync.skipped(), junk.size());
    EXPECT_EQ(Bytes(rest.begin(), rest.end()), Bytes(next.begin(), next.begin() + HEADER_SIZE + 2));
}

TEST(FrameSync, AHeaderInAPayloadWhoseFrameBreaksOffIsPassedOver) {
    // The tail of a log line that quotes a frame: the quoted header is plausible,
    // but what follows its 5 bytes is no header, so frames cannot start there.
    const Bytes fake = frame(102, {'a', 'b', 'c', 'd', 'e'});
    const Bytes tail = cat(cat({'q', 'u', 'o', 't', 'e', ' '}, fake), {'z', 'z', 'z', 'z', '\n'});
    const Bytes next = frame(1001, {0x80, 0x02, 'K', 0x07, '.'});
    FrameSync sync;
    auto rest = sync.feed(cat(tail, next));
    ASSERT_TRUE(sync.found());
    EXPECT_EQ(sync.skipped(), tail.size());
    EXPECT_EQ(Bytes(rest.begin(), rest.end()), next);
}

TEST(FrameSync, NoHeaderHoldsOnlyAnUndecidedTail) {
    FrameSync sync;
    const Bytes junk(10000, 0x11);
    EXPECT_TRUE(sync.feed(junk).empty());
    EXPECT_FALSE(sync.found());
    EXPECT_EQ(sync.skipped() + sync.held(), junk.size());
    EXPECT_LT(sync.held(), HEADER_SIZE);
}

} // namespace
} // namespace mitokit::capture
