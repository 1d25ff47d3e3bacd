// The latin-1 text kernels: the run-time-selected (SSSE3/AVX2) and portable
// versions against a plain per-character reference, on random text of every
// length around the block sizes and at every alignment, plus out-of-range text.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../src/pickle/latin1_kernels.hpp"
#include "../src/pickle/text.hpp"

namespace mitokit::pickle::detail {
namespace {

// Latin-1 bytes -> UTF-8, one character at a time.
std::string to_utf8(const std::vector<unsigned char>& latin1) {
    std::string out;
    for (unsigned char c : latin1) append_utf8(out, c);
    return out;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::size_t convert(bool portable, const std::string& utf8, std::string& out) {
    out.assign(utf8.size() + 1, '\x55');
    auto* w = reinterpret_cast<unsigned char*>(out.data());
    const std::size_t n = portable ? utf8_to_latin1_bytes_portable(bytes(utf8), utf8.size(), w)
                                   : utf8_to_latin1_bytes(bytes(utf8), utf8.size(), w);
    EXPECT_EQ(out.back(), '\x55') << "wrote past the input length";
    if (n != SIZE_MAX) out.resize(n);
    return n;
}

TEST(PickleLatin1Kernels, RandomLatin1TextConvertsLikeTheReference) {
    std::mt19937 rng(12345);
    for (int mix = 0; mix < 3; ++mix) { // all high bytes, half ASCII, mostly ASCII
        for (std::size_t len = 0; len < 200; ++len) {
            std::vector<unsigned char> latin1(len);
            for (auto& c : latin1) {
                const unsigned r = rng() & 0xff;
                c = static_cast<unsigned char>(mix == 0 ? (r | 0x80) : mix == 1 ? r : (r % 16 == 0 ? r | 0x80 : r & 0x7f));
            }
            const std::string utf8 = to_utf8(latin1);
            for (std::size_t skip = 0; skip < 3 && skip <= utf8.size(); ++skip) {
                // A suffix can start inside a character; skip only whole ones (valid UTF-8 in).
                if (skip && utf8.size() > skip && (static_cast<unsigned char>(utf8[skip]) & 0xc0) == 0x80) continue;
                const std::string in = utf8.substr(skip);
                const std::string want(in.empty() ? std::string() : [&] {
                    std::string r;
                    for (std::size_t i = 0; i < in.size();) r.push_back(static_cast<char>(utf8_next(in, i)));
                    return r;
                }());
                for (bool portable : {false, true}) {
                    std::string got;
                    ASSERT_NE(convert(portable, in, got), SIZE_MAX) << "len " << len << " portable " << portable;
                    EXPECT_EQ(got, want) << "len " << len << " skip " << skip << " portable " << portable;
                    EXPECT_TRUE(latin1_range(bytes(in), in.size()));
                    EXPECT_TRUE(latin1_range_portable(bytes(in), in.size()));
                }
            }
        }
    }
}

TEST(PickleLatin1Kernels, CodePointAboveFFIsRefusedAtAnyPosition) {
    std::mt19937 rng(7);
    for (std::size_t len = 1; len < 120; ++len) {
        std::vector<unsigned char> latin1(len);
        for (auto& c : latin1) c = static_cast<unsigned char>(rng() & 0xff);
        for (std::size_t at : {std::size_t{0}, len / 2, len - 1}) {
            std::string utf8 = to_utf8(std::vector<unsigned char>(latin1.begin(), latin1.begin() + static_cast<std::ptrdiff_t>(at)));
            utf8 += "\xc4\x80"; // U+0100
            utf8 += to_utf8(std::vector<unsigned char>(latin1.begin() + static_cast<std::ptrdiff_t>(at), latin1.end()));
            for (bool portable : {false, true}) {
                std::string got;
                EXPECT_EQ(convert(portable, utf8, got), SIZE_MAX) << "len " << len << " at " << at;
            }
            EXPECT_FALSE(latin1_range(bytes(utf8), utf8.size()));
            EXPECT_FALSE(latin1_range_portable(bytes(utf8), utf8.size()));
            std::string out;
            std::size_t bad = 0;
            std::uint32_t cp = 0;
            EXPECT_FALSE(utf8_to_latin1(utf8, out, bad, cp));
            EXPECT_EQ(bad, at);
            EXPECT_EQ(cp, 0x100u);
        }
    }
}

TEST(PickleLatin1Kernels, RangeCheckRefusesBrokenSequencesAnywhere) {
    std::mt19937 rng(99);
    for (std::size_t len = 1; len < 150; ++len) {
        std::vector<unsigned char> latin1(len);
        for (auto& c : latin1) c = static_cast<unsigned char>(rng() & 0xff);
        const std::string good = to_utf8(latin1);
        const std::size_t at = rng() % good.size();
        for (const char* bad : {"\x80", "\xc3", "\xc2\xc2", "\xff", "\xe2\x82\xac"}) {
            std::string s = good;
            // Insert at a character boundary so only the inserted bytes are wrong.
            std::size_t pos = at;
            while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xc0) == 0x80) --pos;
            s.insert(pos, bad);
            EXPECT_FALSE(latin1_range(bytes(s), s.size())) << "len " << len << " insert " << pos;
            EXPECT_FALSE(latin1_range_portable(bytes(s), s.size())) << "len " << len << " insert " << pos;
        }
    }
}

} // namespace
} // namespace mitokit::pickle::detail
