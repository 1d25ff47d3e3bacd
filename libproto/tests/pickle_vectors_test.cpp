// Every pickled record of shared/vectors/*.jsonl: each pickle of the frame's
// payload decodes to its canonical JSON, and the JSON re-encodes to the same
// bytes (0.3.52: one pickler for all values, top-level bytes in BINSTRING form).
#include <gtest/gtest.h>

#include <fstream>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

struct Record {
    std::string name, version, frame;
    std::vector<std::string> values;
};

// Pulls the fields out of one vectors line (a tiny reader for this fixed shape).
bool read_json_string(std::string_view s, std::size_t& i, std::string& out) {
    if (s[i] != '"') return false;
    ++i;
    out.clear();
    while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\') {
            ++i;
            const char e = s[i];
            if (e == 'n') out.push_back('\n');
            else if (e == 'u') {
                out += "\\u"; // keep \u escapes as they are: the canonical JSON re-reads them
                ++i;
                continue;
            } else out.push_back(e);
            ++i;
            continue;
        }
        out.push_back(s[i++]);
    }
    ++i;
    return true;
}

std::vector<Record> load(const std::string& path) {
    std::vector<Record> out;
    std::ifstream f(path);
    std::string line;
    while (std::getline(f, line)) {
        Record r;
        auto field = [&](std::string_view key) -> std::size_t {
            const auto p = line.find("\"" + std::string(key) + "\": ");
            return p == std::string::npos ? p : p + key.size() + 4;
        };
        std::size_t i = field("name");
        read_json_string(line, i, r.name);
        i = field("mitogen");
        read_json_string(line, i, r.version);
        i = field("frame");
        read_json_string(line, i, r.frame);
        i = field("values");
        if (line.compare(i, 4, "null") != 0) {
            ++i; // '['
            while (line[i] == '"') {
                std::string v;
                read_json_string(line, i, v);
                r.values.push_back(v);
                if (line[i] == ',') i += 2;
            }
        }
        out.push_back(r);
    }
    return out;
}

void check_file(const std::string& file, bool upstream) {
    const auto records = load(std::string(MITOKIT_SHARED_DIR) + "/vectors/" + file);
    ASSERT_GE(records.size(), 10u) << file;
    int pickled = 0;
    for (const auto& r : records) {
        if (r.values.empty()) continue;
        ++pickled;
        SCOPED_TRACE(r.version + " " + r.name);
        const auto frame = test::unhex(r.frame);
        ASSERT_GT(frame.size(), 26u);
        const std::span<const std::uint8_t> payload(frame.data() + 26, frame.size() - 26);
        Document doc;
        auto st = decode(payload, doc);
        ASSERT_TRUE(st) << st.error().message;
        ASSERT_EQ(doc.roots().size(), r.values.size());
        for (std::size_t k = 0; k < r.values.size(); ++k) {
            std::string js;
            ASSERT_TRUE(to_json(doc, doc.roots()[k], js));
            EXPECT_EQ(js, r.values[k]);
        }
        // Re-encode from the canonical JSON, one pickler for the whole payload.
        Document fresh;
        std::vector<NodeId> roots;
        for (const auto& v : r.values) {
            auto id = from_json(v, fresh);
            ASSERT_TRUE(id) << id.error().message;
            roots.push_back(*id);
        }
        EncodeOptions opt;
        opt.upstream_top_bytes = upstream;
        std::vector<std::uint8_t> out;
        ASSERT_TRUE(encode_sequence(fresh, roots, out, opt));
        EXPECT_EQ(test::hex(out), test::hex(payload));
    }
    EXPECT_GE(pickled, 10);
}

TEST(PickleVectors, Mitogen033DecodeAndReencodeByteIdentically) { check_file("mitogen-0.3.3.jsonl", false); }

TEST(PickleVectors, Mitogen0352DecodeAndReencodeByteIdentically) { check_file("mitogen-0.3.52.jsonl", true); }

} // namespace
} // namespace mitokit::pickle
