#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"

#include <gtest/gtest.h>

namespace mitokit {
namespace {

TEST(FrameHeader, RoundTripsEveryField) {
    Header h{Encoding::pickle, 1, 2, 3, handle::CALL_FUNCTION, 1000, 67};
    const auto bytes = encode_header(h);
    EXPECT_EQ(bytes[0], 0x4d);
    EXPECT_EQ(bytes[1], 0x4a);
    auto back = decode_header(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, h);
}

TEST(FrameHeader, MatchesReferenceHexForGetpidCall) {
    // protocol-notes §8: CALL_FUNCTION master(0) -> child 1, reply_to 1000, 67 bytes.
    const std::uint8_t hex[] = {0x4d, 0x49, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                0,    0,    0, 0x65, 0, 0, 0x03, 0xe8, 0, 0, 0, 0x43};
    auto h = decode_header(hex);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->enc, Encoding::legacy);
    EXPECT_EQ(h->dst_id, 1u);
    EXPECT_EQ(h->handle, handle::CALL_FUNCTION);
    EXPECT_EQ(h->reply_to, 1000u);
    EXPECT_EQ(h->length, 67u);
    const auto again = encode_header(*h);
    EXPECT_TRUE(std::equal(again.begin(), again.end(), std::begin(hex)));
}

TEST(FrameHeader, RejectsBadMagicNamingTheValue) {
    std::uint8_t hex[26] = {'X', 'X'};
    auto h = decode_header(hex);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, Errc::bad_encoding);
    EXPECT_NE(h.error().message.find("0x5858"), std::string::npos) << h.error().message;
    EXPECT_EQ(h.error().offset, 0u);
}

TEST(FrameHeader, RejectsOversizeAtLengthField) {
    Header big{Encoding::legacy, 0, 0, 0, 100, 0, 1000};
    auto h = decode_header(encode_header(big), 999);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, Errc::oversize);
    EXPECT_EQ(h.error().offset, 22u);
    EXPECT_NE(h.error().message.find("1000"), std::string::npos);
}

TEST(FrameHeader, RejectsShortInput) {
    std::uint8_t hex[25] = {0x4d, 0x49};
    auto h = decode_header(hex);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, Errc::truncated);
}

TEST(FrameHeader, PeekRoutingIdsAgreesWithDecodeAndRefusesWhatIsNoFrame) {
    for (Encoding e : {Encoding::legacy, Encoding::pickle, Encoding::binary}) {
        const Header h{e, 0x01020304u, 0xa0b0c0d0u, 7, handle::CALL_FUNCTION, 1000, 0xffffffffu};
        const auto bytes = encode_header(h);
        const auto ids = peek_routing_ids(bytes);
        ASSERT_TRUE(ids);
        EXPECT_EQ(ids->dst_id, h.dst_id);
        EXPECT_EQ(ids->src_id, h.src_id);
        EXPECT_EQ(ids->auth_id, h.auth_id);
    }
    auto bytes = encode_header(Header{Encoding::legacy, 1, 2, 3, 100, 0, 5});
    for (const std::uint8_t second : {0x48, 0x4c}) { // "MH", "ML": no encoding
        bytes[1] = second;
        EXPECT_FALSE(peek_routing_ids(bytes));
        EXPECT_FALSE(decode_header(bytes));
    }
    bytes[1] = 0x49;
    bytes[0] = 'X';
    EXPECT_FALSE(peek_routing_ids(bytes));
    bytes[0] = 0x4d;
    EXPECT_FALSE(peek_routing_ids(std::span<const std::uint8_t>(bytes).first(HEADER_SIZE - 1)));
    EXPECT_TRUE(peek_routing_ids(bytes));
}

std::vector<std::uint8_t> log_frame(std::size_t text) {
    std::vector<std::uint8_t> payload(text, 'x');
    return encode_frame(Header{Encoding::legacy, 0, 7, 7, handle::FORWARD_LOG, 0, 0}, payload);
}

TEST(FrameChain, FramesMustTileTheSpanAndEveryHeaderInItMustBePlausible) {
    std::vector<std::uint8_t> bytes;
    for (std::size_t n : {10u, 40u, 3u}) {
        const auto f = log_frame(n);
        bytes.insert(bytes.end(), f.begin(), f.end());
    }
    const std::span<const std::uint8_t> all(bytes);
    EXPECT_TRUE(plausible_frame_chain(all));
    EXPECT_TRUE(plausible_frame_chain(all.first(all.size() - 1)));  // the last frame cut short
    EXPECT_TRUE(plausible_frame_chain(all.first(36 + 66 + 10)));   // the third header cut inside
    EXPECT_TRUE(plausible_frame_chain(all.subspan(36)));            // from the second frame on
    // One byte too many after the first frame: the second "header" starts one late.
    auto shifted = log_frame(10);
    shifted.push_back(0);
    const auto second = log_frame(40);
    shifted.insert(shifted.end(), second.begin(), second.end());
    EXPECT_TRUE(plausible_frame_start(shifted) == Plausibility::yes); // the first header alone passes
    EXPECT_FALSE(plausible_frame_chain(shifted));
    // The first header must be whole.
    EXPECT_FALSE(plausible_frame_chain(all.first(HEADER_SIZE - 1)));
    // Inside a frame: not a header.
    EXPECT_FALSE(plausible_frame_chain(all.subspan(1)));
    // A length over the limit (the second frame's) is no frame.
    EXPECT_FALSE(plausible_frame_chain(all, 20));
}

TEST(Handles, NamesRoundTrip) {
    EXPECT_EQ(handle_name(handle::LOAD_MODULE), "LOAD_MODULE");
    EXPECT_EQ(handle_name(handle::IS_DEAD), "IS_DEAD");
    EXPECT_EQ(handle_name(1000), "");
    for (std::uint32_t h = 100; h <= 111; ++h) EXPECT_EQ(handle_by_name(handle_name(h)), h);
}

} // namespace
} // namespace mitokit
