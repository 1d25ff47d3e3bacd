// The stream decoder on real bytes: links recorded from python3-mitogen 0.3.3 and
// the shared 0.3.52 capture (tests/data/, see make_fixtures.py), and the shared
// vectors. Expected events come from Python (the .expect files, struct.unpack).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <regex>
#include <set>

#include "mitokit/stream_decoder.hpp"
#include "stream_test_util.hpp"

namespace mitokit {
namespace {

using namespace mitokit::testing;

std::string decode_cuts(std::span<const std::uint8_t> data, const std::vector<std::size_t>& cuts,
                        Recorder* keep = nullptr) {
    Recorder local;
    Recorder& r = keep ? *keep : local;
    StreamDecoder d(r);
    std::size_t prev = 0;
    for (std::size_t c : cuts) {
        (void)d.feed(data.subspan(prev, c - prev));
        prev = c;
    }
    (void)d.feed(data.subspan(prev));
    (void)d.finish();
    return r.text;
}

// Offsets where an event starts or ends, from the .expect text.
std::set<std::size_t> boundaries(const std::string& expect) {
    std::set<std::size_t> out;
    std::istringstream in(expect);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string kind, a;
        std::vector<std::uint64_t> nums;
        f >> kind;
        while (f >> a) {
            if (std::isdigit(static_cast<unsigned char>(a[0]))) nums.push_back(std::strtoull(a.c_str(), nullptr, 10));
        }
        if (kind == "frame") { // magic parsed as a number only if all digits; offset and len are last two
            const std::uint64_t off = nums.back(), len = nums[nums.size() - 2];
            out.insert(off);
            out.insert(off + 26);
            out.insert(off + 26 + len);
        } else if (kind == "preamble" || kind == "line") {
            out.insert(nums[0]);
            out.insert(nums[0] + nums[1]);
        }
    }
    return out;
}

class Fixture : public ::testing::TestWithParam<const char*> {};

TEST_P(Fixture, DecodesToTheExpectedEventsUnderAnyChunking) {
    const std::string base = fixture_dir() + GetParam();
    const auto data = read_file(base + ".bin");
    const auto expect = read_text(base + ".expect");
    ASSERT_FALSE(data.empty()) << base;
    ASSERT_FALSE(expect.empty()) << base;
    ASSERT_EQ(decode_cuts(data, {}), expect);

    Recorder bytewise;
    StreamDecoder d(bytewise);
    for (std::size_t i = 0; i < data.size(); ++i) (void)d.feed(std::span(data).subspan(i, 1));
    ASSERT_TRUE(d.finish());
    EXPECT_EQ(bytewise.text, expect);

    // Every split point on small streams; near every event boundary on big ones.
    std::vector<std::size_t> points;
    if (data.size() <= 4096) {
        for (std::size_t a = 1; a < data.size(); ++a) points.push_back(a);
    } else {
        for (std::size_t b : boundaries(expect))
            for (std::size_t a = b > 3 ? b - 3 : 1; a <= b + 3; ++a)
                if (a > 0 && a < data.size()) points.push_back(a);
    }
    for (std::size_t a : points) ASSERT_EQ(decode_cuts(data, {a}), expect) << "split at " << a;

    const std::uint64_t seed = std::getenv("MITOKIT_SEED") ? std::strtoull(std::getenv("MITOKIT_SEED"), nullptr, 10)
                                                          : std::random_device{}();
    SCOPED_TRACE("seed=" + std::to_string(seed) + " (rerun with MITOKIT_SEED)");
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 30; ++round) {
        std::uniform_int_distribution<std::size_t> step(1, round % 2 ? 64 : 9000);
        std::vector<std::size_t> cuts;
        for (std::size_t at = step(rng); at < data.size(); at += step(rng)) cuts.push_back(at);
        ASSERT_EQ(decode_cuts(data, cuts), expect) << "round " << round;
    }
}

INSTANTIATE_TEST_SUITE_P(Real, Fixture,
                         ::testing::Values("mitogen-0.3.3-local-c2p", "mitogen-0.3.3-local-p2c",
                                           "mitogen-0.3.3-fork-c2p", "mitogen-0.3.3-fork-p2c",
                                           "mitogen-0.3.52-child2-c2p", "mitogen-0.3.52-child2-p2c"),
                         [](const auto& info) {
                             std::string s = info.param;
                             for (char& c : s)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return s;
                         });

TEST(StreamFixtures, PreambleCarriesTheChildConfig) {
    const auto data = read_file(fixture_dir() + "mitogen-0.3.52-child2-p2c.bin");
    Recorder r;
    decode_cuts(data, {}, &r);
    ASSERT_FALSE(r.bootstrap_text.empty());
    EXPECT_NE(r.bootstrap_text[0].find("'context_id': 2,"), std::string::npos) << r.bootstrap_text[0];
    EXPECT_EQ(r.bootstrap_text[0].front(), '{');
    EXPECT_EQ(r.bootstrap_text[0].back(), '}');
    const auto local = read_file(fixture_dir() + "mitogen-0.3.3-local-p2c.bin");
    Recorder r2;
    decode_cuts(local, {}, &r2);
    ASSERT_FALSE(r2.bootstrap_text.empty());
    EXPECT_NE(r2.bootstrap_text[0].find("'version': (0, 3, 3)"), std::string::npos) << r2.bootstrap_text[0];
}

// The master's own record of the capture (truth.jsonl) for the same link.
TEST(StreamFixtures, CaptureMatchesTheMastersRecord) {
    const std::string truth = read_text(std::string(MITOKIT_SHARED_DIR) + "/captures/mitogen-0.3.52-basic/truth.jsonl");
    ASSERT_FALSE(truth.empty());
    auto field = [](const std::string& line, const std::string& key) {
        std::smatch m;
        const std::regex re("\"" + key + "\": (\"?)([^,\"}]*)");
        if (!std::regex_search(line, m, re)) return std::string();
        return m[2].str();
    };
    std::string want_out, want_in;
    std::istringstream in(truth);
    std::string line;
    while (std::getline(in, line)) {
        if (field(line, "port") != "58226") continue;
        char buf[160];
        std::snprintf(buf, sizeof buf, "%04lx %s %s %s %s %s %s\n", std::strtoul(field(line, "magic").c_str(), nullptr, 10),
                      field(line, "dst").c_str(), field(line, "src").c_str(), field(line, "auth").c_str(),
                      field(line, "handle").c_str(), field(line, "reply_to").c_str(), field(line, "len").c_str());
        (field(line, "dir") == "out" ? want_out : want_in) += buf;
    }
    ASSERT_FALSE(want_out.empty());
    ASSERT_FALSE(want_in.empty());
    auto frames_of = [](const std::string& file) {
        const auto data = read_file(fixture_dir() + file);
        std::string text = decode_cuts(data, {});
        std::string out;
        std::istringstream ev(text);
        std::string l;
        while (std::getline(ev, l)) {
            if (l.rfind("frame ", 0) != 0) continue;
            l = l.substr(6, l.rfind(' ') - 6); // drop the stream offset
            out += l + "\n";
        }
        return out;
    };
    EXPECT_EQ(frames_of("mitogen-0.3.52-child2-p2c.bin"), want_out);
    EXPECT_EQ(frames_of("mitogen-0.3.52-child2-c2p.bin"), want_in);
}

// Every frame of the shared vectors, back to back in one stream, against Python's
// struct.unpack of the same hex.
TEST(StreamFixtures, EveryVectorFrameDecodesToItsHeaderFields) {
    const std::string shared = MITOKIT_SHARED_DIR;
    std::vector<std::uint8_t> stream;
    std::vector<std::string> raws;
    for (const char* f : {"/vectors/mitogen-0.3.3.jsonl", "/vectors/mitogen-0.3.52.jsonl"}) {
        std::istringstream in(read_text(shared + f));
        std::string line;
        const std::regex fr("\"frame\": \"([0-9a-f]*)\""), raw("\"raw\": (null|\"([0-9a-f]*)\")");
        while (std::getline(in, line)) {
            std::smatch m;
            ASSERT_TRUE(std::regex_search(line, m, fr)) << line;
            const auto bytes = from_hex(m[1].str());
            stream.insert(stream.end(), bytes.begin(), bytes.end());
            ASSERT_TRUE(std::regex_search(line, m, raw)) << line;
            raws.push_back(m[1].str() == "null" ? "-" : m[2].str());
        }
    }
    ASSERT_GE(raws.size(), 40u);
    const std::string cmd = std::string(MITOKIT_PYTHON) + " -c \"" +
                            "import json,struct,sys\n"
                            "off=0\n"
                            "for f in sys.argv[1:]:\n"
                            " for l in open(f):\n"
                            "  b=bytes.fromhex(json.loads(l)['frame'])\n"
                            "  print('frame %04x %d %d %d %d %d %d %d' % (struct.unpack('>HLLLLLL',b[:26])+(off,)))\n"
                            "  off+=len(b)\n\" " +
                            shared + "/vectors/mitogen-0.3.3.jsonl " + shared + "/vectors/mitogen-0.3.52.jsonl";
    std::string want;
    {
        std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
        ASSERT_TRUE(p);
        char buf[256];
        while (std::fgets(buf, sizeof buf, p.get())) want += buf;
    }
    ASSERT_FALSE(want.empty());
    Recorder r;
    r.keep_bytes = true;
    StreamDecoder d(r, {.start = StreamStart::frames});
    ASSERT_TRUE(d.feed(stream));
    ASSERT_TRUE(d.finish());
    EXPECT_EQ(r.text, want);
    ASSERT_EQ(r.payload_bytes.size(), raws.size());
    for (std::size_t i = 0; i < raws.size(); ++i)
        if (raws[i] != "-") {
            EXPECT_EQ(r.payload_bytes[i], from_hex(raws[i])) << "vector " << i;
        }
    EXPECT_EQ(decode_cuts(stream, {}), want); // detect mode sees frames too
}

} // namespace
} // namespace mitokit
