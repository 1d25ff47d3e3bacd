#include "mitokit/sha1.hpp"

#include <gtest/gtest.h>

namespace mitokit {
namespace {

TEST(Sha1, KnownVectors) {
    EXPECT_EQ(sha1_hex(std::string_view("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1_hex(std::string_view("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha1_hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
    // 55 and 56 bytes: the padding needs one more block from 56 on.
    EXPECT_EQ(sha1_hex(std::string(55, 'a')), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    EXPECT_EQ(sha1_hex(std::string(56, 'a')), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    const std::uint8_t bytes[] = {'a', 'b', 'c'};
    EXPECT_EQ(sha1_hex(std::span<const std::uint8_t>(bytes)), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

} // namespace
} // namespace mitokit
