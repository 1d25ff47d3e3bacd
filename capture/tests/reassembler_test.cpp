#include "mitokit/capture/reassembler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace mitokit::capture {
namespace {

Endpoint ep(std::uint8_t last, std::uint16_t port) {
    Endpoint e;
    e.addr = {127, 0, 0, last};
    e.port = port;
    return e;
}

const Endpoint A = ep(1, 40770);
const Endpoint B = ep(2, 47200);

// Keeps each direction's bytes, and every event in order, for assertions.
struct Collector : ReassemblyHandler {
    std::map<std::pair<std::uint32_t, int>, std::string> data;
    std::vector<Conversation> opened;
    std::vector<std::string> events;
    std::vector<Error> gaps;
    std::vector<Error> errors;
    std::uint64_t expected_next[64][2] = {};

    void on_open(const Conversation& c) override { opened.push_back(c); }
    void on_data(const Conversation& c, Direction d, std::uint64_t off, std::span<const std::uint8_t> b) override {
        auto& s = data[{c.id, static_cast<int>(d)}];
        // Offsets must be contiguous except across a reported gap.
        EXPECT_GE(off, expected_next[c.id][static_cast<int>(d)]);
        expected_next[c.id][static_cast<int>(d)] = off + b.size();
        s.append(b.begin(), b.end());
        events.push_back("data " + std::string(direction_short_name(d)) + " @" + std::to_string(off) + " " +
                         std::string(b.begin(), b.end()));
    }
    void on_gap(const Conversation&, Direction d, const Error& e) override {
        gaps.push_back(e);
        events.push_back("gap " + std::string(direction_short_name(d)) + " @" + std::to_string(e.offset));
    }
    void on_close(const Conversation& c, Direction d) override {
        events.push_back("close " + std::to_string(c.id) + " " + direction_short_name(d));
    }
    void on_error(const Error& e) override { errors.push_back(e); }

    std::string c2s(std::uint32_t id = 0) { return data[{id, 0}]; }
    std::string s2c(std::uint32_t id = 0) { return data[{id, 1}]; }
};

struct Seg {
    Endpoint src, dst;
    std::uint32_t seq;
    std::uint8_t flags;
    std::string payload;
};

void feed(Reassembler& r, const Seg& s) {
    TcpSegment t;
    t.src = s.src;
    t.dst = s.dst;
    t.seq = s.seq;
    t.flags = s.flags;
    t.payload = {reinterpret_cast<const std::uint8_t*>(s.payload.data()), s.payload.size()};
    r.feed(t);
}

constexpr std::uint8_t SYN = tcp_flag::SYN, ACK = tcp_flag::ACK, FIN = tcp_flag::FIN, RST = tcp_flag::RST,
                       PA = tcp_flag::PSH | tcp_flag::ACK;

// Handshake with client ISN 100 and server ISN 5000: client data starts at seq 101.
void handshake(Reassembler& r) {
    feed(r, {A, B, 100, SYN, ""});
    feed(r, {B, A, 5000, SYN | ACK, ""});
    feed(r, {A, B, 101, ACK, ""});
}

TEST(Reassembler, InOrderBothDirections) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "hello "});
    feed(r, {B, A, 5001, PA, "hi"});
    feed(r, {A, B, 107, PA, "world"});
    r.finish();
    ASSERT_EQ(h.opened.size(), 1u);
    EXPECT_TRUE(h.opened[0].saw_syn);
    EXPECT_EQ(conversation_name(h.opened[0]), "127.0.0.1:40770-127.0.0.2:47200");
    EXPECT_EQ(direction_name(h.opened[0], Direction::server_to_client), "127.0.0.2:47200->127.0.0.1:40770");
    EXPECT_EQ(h.c2s(), "hello world");
    EXPECT_EQ(h.s2c(), "hi");
    EXPECT_TRUE(h.gaps.empty());
    EXPECT_TRUE(h.errors.empty());
}

TEST(Reassembler, ClientIsSynSenderEvenIfSynAckSeenFirst) {
    Collector h;
    Reassembler r(h);
    feed(r, {B, A, 5000, SYN | ACK, ""});
    feed(r, {A, B, 101, PA, "x"});
    r.finish();
    ASSERT_EQ(h.opened.size(), 1u);
    EXPECT_EQ(h.opened[0].client, A);
    EXPECT_EQ(h.c2s(), "x");
}

TEST(Reassembler, OutOfOrderIsReordered) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 107, PA, "ccc"});
    feed(r, {A, B, 104, PA, "bbb"});
    EXPECT_EQ(h.c2s(), "");
    feed(r, {A, B, 101, PA, "aaa"});
    EXPECT_EQ(h.c2s(), "aaabbbccc");
    r.finish();
    EXPECT_TRUE(h.gaps.empty());
}

TEST(Reassembler, RetransmissionsAndOverlapsDeliverEachByteOnce) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "01234"});
    feed(r, {A, B, 101, PA, "01234"});    // exact retransmission
    feed(r, {A, B, 104, PA, "34567"});    // overlaps the tail
    feed(r, {A, B, 111, PA, "ab"});       // out of order
    feed(r, {A, B, 111, PA, "abcd"});     // longer copy of a buffered segment
    feed(r, {A, B, 109, PA, "89"});       // fills the hole
    feed(r, {A, B, 101, PA, "0123456789"});
    r.finish();
    EXPECT_EQ(h.c2s(), "0123456789abcd");
    EXPECT_TRUE(h.gaps.empty());
}

TEST(Reassembler, FirstCopyOfAByteWins) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "abc"});
    feed(r, {A, B, 101, PA, "XYZde"});
    EXPECT_EQ(h.c2s(), "abcde");
}

TEST(Reassembler, MissingDataIsAGapNamingConversationAndOffset) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "abc"});
    feed(r, {A, B, 108, PA, "hij"}); // 104..107 never captured
    r.finish();
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0].code, Errc::truncated);
    EXPECT_EQ(h.gaps[0].offset, 3u);
    EXPECT_EQ(h.gaps[0].message,
              "127.0.0.1:40770->127.0.0.2:47200: 4 bytes missing at stream offset 3 (not in the capture)");
    // The data after the hole keeps its true offset.
    const std::vector<std::string> want = {"data c2s @0 abc", "gap c2s @3", "data c2s @7 hij", "close 0 c2s",
                                           "close 0 s2c"};
    EXPECT_EQ(h.events, want);
}

TEST(Reassembler, FinClosesAfterAllDataArrived) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 104, FIN | ACK, "def"});
    EXPECT_TRUE(std::find(h.events.begin(), h.events.end(), "close 0 c2s") == h.events.end());
    feed(r, {A, B, 101, PA, "abc"});
    EXPECT_EQ(h.events.back(), "close 0 c2s");
    EXPECT_EQ(h.c2s(), "abcdef");
    feed(r, {A, B, 101, PA, "abc"}); // a late retransmission is not an error
    EXPECT_TRUE(h.errors.empty());
    feed(r, {A, B, 108, PA, "zzz"}); // new data after FIN is
    ASSERT_EQ(h.errors.size(), 1u);
    EXPECT_NE(h.errors[0].message.find("after the stream ended"), std::string::npos) << h.errors[0].message;
}

TEST(Reassembler, FinWithHoleBeforeItIsAGapAtFinish) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "ab"});
    feed(r, {A, B, 110, FIN | ACK, ""});
    r.finish();
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0].offset, 2u);
    EXPECT_NE(h.gaps[0].message.find("7 bytes missing"), std::string::npos) << h.gaps[0].message;
}

TEST(Reassembler, BufferedDataPastALaterFinIsReportedNotDelivered) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 111, PA, "zzzz"});     // offset 10, buffered
    feed(r, {A, B, 103, FIN | ACK, ""}); // the stream ends at offset 2
    ASSERT_EQ(h.errors.size(), 1u);
    EXPECT_NE(h.errors[0].message.find("data past the FIN at stream offset 2"), std::string::npos)
        << h.errors[0].message;
    feed(r, {A, B, 101, PA, "ab"});
    EXPECT_EQ(h.events.back(), "close 0 c2s");
    r.finish();
    EXPECT_EQ(h.c2s(), "ab");
    EXPECT_TRUE(h.gaps.empty());
}

TEST(Reassembler, FinBeforeDeliveredDataDoesNotRewind) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "abcdef"});
    feed(r, {A, B, 103, FIN | ACK, ""}); // inconsistent: the FIN's place was already delivered
    feed(r, {A, B, 107, PA, "gh"});
    r.finish();
    EXPECT_EQ(h.c2s(), "abcdef");
    EXPECT_TRUE(h.gaps.empty());
}

TEST(Reassembler, ResetWithHoleReportsGap) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "ab"});
    feed(r, {A, B, 105, PA, "ef"});
    feed(r, {B, A, 5001, RST | ACK, ""});
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_NE(h.gaps[0].message.find("connection reset"), std::string::npos) << h.gaps[0].message;
    EXPECT_EQ(h.c2s(), "abef");
    r.finish();
    EXPECT_EQ(h.gaps.size(), 1u); // finish() does not report it twice
}

TEST(Reassembler, MidStreamCaptureStartsAtFirstSegment) {
    Collector h;
    Reassembler r(h);
    feed(r, {A, B, 900, ACK, ""}); // bare ACK: no data position yet
    feed(r, {A, B, 7000, PA, "xyz"});
    feed(r, {B, A, 123456, PA, "back"});
    r.finish();
    ASSERT_EQ(h.opened.size(), 1u);
    EXPECT_FALSE(h.opened[0].saw_syn);
    EXPECT_EQ(h.c2s(), "xyz");
    EXPECT_EQ(h.s2c(), "back");
}

TEST(Reassembler, DataBeforeMidStreamStartIsReported) {
    Collector h;
    Reassembler r(h);
    feed(r, {A, B, 7003, PA, "def"});
    feed(r, {A, B, 7000, PA, "abc"});
    r.finish();
    EXPECT_EQ(h.c2s(), "def");
    ASSERT_EQ(h.errors.size(), 1u);
    EXPECT_EQ(h.errors[0].code, Errc::truncated);
    EXPECT_NE(h.errors[0].message.find("3 bytes sequenced before the first byte seen"), std::string::npos)
        << h.errors[0].message;
}

TEST(Reassembler, SequenceNumberWraparound) {
    Collector h;
    Reassembler r(h);
    feed(r, {A, B, 0xfffffffdu, SYN, ""});
    feed(r, {A, B, 0x00000002u, PA, "3456"}); // out of order across the wrap
    feed(r, {A, B, 0xfffffffeu, PA, "0123"});
    r.finish();
    EXPECT_EQ(h.c2s(), "01233456");
    EXPECT_TRUE(h.gaps.empty());
}

TEST(Reassembler, OutOfOrderByteLimitGivesUpOnTheHoleLoudly) {
    Collector h;
    ReassemblyLimits lim;
    lim.max_buffered_bytes = 8;
    Reassembler r(h, lim);
    handshake(r);
    feed(r, {A, B, 111, PA, "klmno"}); // hole at 101..110
    feed(r, {A, B, 116, PA, "pqrst"}); // would hold 10 bytes > 8
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0].code, Errc::limit);
    EXPECT_EQ(h.gaps[0].offset, 0u);
    EXPECT_NE(h.gaps[0].message.find("10 bytes missing at stream offset 0"), std::string::npos) << h.gaps[0].message;
    EXPECT_NE(h.gaps[0].message.find("max_buffered_bytes=8"), std::string::npos) << h.gaps[0].message;
    EXPECT_EQ(h.c2s(), "klmnopqrst");
}

TEST(Reassembler, OutOfOrderSegmentLimit) {
    Collector h;
    ReassemblyLimits lim;
    lim.max_buffered_segments = 2;
    Reassembler r(h, lim);
    handshake(r);
    feed(r, {A, B, 103, PA, "c"});
    feed(r, {A, B, 105, PA, "e"});
    feed(r, {A, B, 107, PA, "g"});
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0].code, Errc::limit);
    EXPECT_NE(h.gaps[0].message.find("max_buffered_segments=2"), std::string::npos);
    r.finish();
    EXPECT_EQ(h.c2s(), "ceg");
    EXPECT_EQ(h.gaps.size(), 3u); // 0..2 for the limit, then 3..4 and 5..6 at finish
}

TEST(Reassembler, ConversationLimit) {
    Collector h;
    ReassemblyLimits lim;
    lim.max_conversations = 1;
    Reassembler r(h, lim);
    feed(r, {A, B, 1, PA, "a"});
    feed(r, {A, ep(3, 1), 1, PA, "b"});
    feed(r, {A, ep(4, 1), 1, PA, "c"});
    EXPECT_EQ(r.conversation_count(), 1u);
    ASSERT_EQ(h.errors.size(), 1u); // reported once
    EXPECT_EQ(h.errors[0].code, Errc::limit);
    EXPECT_NE(h.errors[0].message.find("max_conversations=1"), std::string::npos);
    EXPECT_NE(h.errors[0].message.find("127.0.0.1:40770->127.0.0.3:1"), std::string::npos) << h.errors[0].message;
}

TEST(Reassembler, PortReuseStartsANewConversation) {
    Collector h;
    Reassembler r(h);
    handshake(r);
    feed(r, {A, B, 101, PA, "first"});
    feed(r, {A, B, 106, FIN | ACK, ""});
    feed(r, {A, B, 100, SYN, ""}); // retransmitted SYN: same connection
    EXPECT_EQ(r.conversation_count(), 1u);
    feed(r, {A, B, 90000, SYN, ""});
    feed(r, {A, B, 90001, PA, "second"});
    r.finish();
    ASSERT_EQ(r.conversation_count(), 2u);
    EXPECT_EQ(h.c2s(0), "first");
    EXPECT_EQ(h.c2s(1), "second");
}

TEST(Reassembler, AnyDeliveryOrderWithDuplicatesGivesTheSameStream) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += static_cast<char>('a' + i % 26);
    std::mt19937 rng(12345);
    for (int round = 0; round < 50; ++round) {
        std::vector<Seg> segs;
        std::size_t pos = 0;
        while (pos < text.size()) {
            const std::size_t n = std::min<std::size_t>(1 + rng() % 100, text.size() - pos);
            segs.push_back({A, B, static_cast<std::uint32_t>(0xfffff000u + 1 + pos), PA, text.substr(pos, n)});
            if (rng() % 4 == 0) segs.push_back(segs.back()); // duplicate
            if (rng() % 5 == 0 && pos + n + 10 < text.size())   // overlapping superset
                segs.push_back({A, B, static_cast<std::uint32_t>(0xfffff000u + 1 + pos), PA, text.substr(pos, n + 10)});
            pos += n;
        }
        std::shuffle(segs.begin(), segs.end(), rng);
        Collector h;
        Reassembler r(h);
        feed(r, {A, B, 0xfffff000u, SYN, ""});
        for (const auto& s : segs) feed(r, s);
        r.finish();
        ASSERT_EQ(h.c2s(), text) << "round " << round;
        ASSERT_TRUE(h.gaps.empty());
    }
}

TEST(Reassembler, RandomSegmentsKeepTheInvariants) {
    // Arbitrary flags, sequence numbers and endpoints under small limits: offsets per
    // direction only move forward and never more bytes come out than went in.
    std::mt19937 rng(777);
    for (int round = 0; round < 200; ++round) {
        Collector h;
        ReassemblyLimits lim;
        lim.max_buffered_bytes = 1 + rng() % 64;
        lim.max_buffered_segments = rng() % 6;
        lim.max_conversations = 1 + rng() % 3;
        std::size_t fed = 0;
        {
            Reassembler r(h, lim);
            const std::uint32_t base = static_cast<std::uint32_t>(rng());
            for (int i = 0; i < 60; ++i) {
                const bool forward = rng() % 2;
                const Endpoint other = ep(static_cast<std::uint8_t>(2 + rng() % 2), 47200);
                const std::string payload(rng() % 12, static_cast<char>('a' + i % 26));
                const std::uint8_t flags = static_cast<std::uint8_t>(rng() % 32);
                const std::uint32_t seq = base + static_cast<std::uint32_t>(rng() % 80) - 10;
                fed += payload.size();
                feed(r, forward ? Seg{A, other, seq, flags, payload} : Seg{other, A, seq, flags, payload});
            }
            r.finish();
            r.finish();
        }
        std::size_t out = 0;
        for (const auto& [key, bytes] : h.data) out += bytes.size();
        ASSERT_LE(out, fed) << "round " << round;
    }
}

} // namespace
} // namespace mitokit::capture
