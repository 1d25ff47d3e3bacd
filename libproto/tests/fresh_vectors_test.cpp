// conformance/make_vectors.py packs messages with the installed python3-mitogen;
// every pickled payload must decode to the canonical JSON the reference printed
// and re-encode to the same bytes, and every frame header must decode.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "mitokit/frame.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "support/json_lite.hpp"

namespace mitokit {
namespace {

using testing::JsonReader;
using testing::unhex;

TEST(FreshVectors, MadeByRealMitogenDecodeAndReencode) {
    const std::string shared = MITOKIT_SHARED_DIR;
    if (::access((shared + "/value_json.py").c_str(), R_OK) != 0) GTEST_SKIP() << "needs " << shared << "/value_json.py";
    char out[] = "/tmp/mitokit-fresh-vectors-XXXXXX";
    const int fd = mkstemp(out);
    ASSERT_GE(fd, 0);
    ::close(fd);
    const std::string cmd = std::string(MITOKIT_PYTHON) + " " + MITOKIT_SOURCE_DIR + "/conformance/make_vectors.py --shared " +
                            shared + " --out " + out;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out);
    int pickled = 0, raw = 0;
    for (std::string line; std::getline(in, line);) {
        const auto rec = JsonReader::parse(line);
        SCOPED_TRACE(rec["name"].str);
        const auto frame = unhex(rec["frame"].str);
        auto h = decode_header(frame);
        ASSERT_TRUE(h) << h.error().message;
        ASSERT_EQ(h->length + HEADER_SIZE, frame.size());
        const std::span<const std::uint8_t> payload(frame.data() + HEADER_SIZE, h->length);
        if (rec["values"].is_null()) {
            EXPECT_EQ(std::vector<std::uint8_t>(payload.begin(), payload.end()), unhex(rec["raw"].str));
            ++raw;
            continue;
        }
        ++pickled;
        pickle::Document doc;
        auto st = pickle::decode(payload, doc);
        ASSERT_TRUE(st) << st.error().message;
        ASSERT_EQ(doc.roots().size(), rec["values"].arr.size());
        std::string json;
        ASSERT_TRUE(pickle::to_json(doc, doc.root(), json));
        EXPECT_EQ(json, rec["values"].arr[0].str);
        pickle::Document fresh;
        auto root = pickle::from_json(json, fresh);
        ASSERT_TRUE(root) << root.error().message;
        std::vector<std::uint8_t> bytes;
        ASSERT_TRUE(pickle::encode(fresh, *root, bytes));
        EXPECT_EQ(bytes, unhex(rec["fresh"].str));
    }
    std::remove(out);
    EXPECT_GT(pickled, 60);
    EXPECT_GT(raw, 8);
}

} // namespace
} // namespace mitokit
