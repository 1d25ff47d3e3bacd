// Runs libproto over the portable conformance suite (conformance/vectors/, made
// from the real mitogen by conformance/make_suite.py; format in docs/conformance.md).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/stream_decoder.hpp"
#include "support/json_lite.hpp"

namespace mitokit {
namespace {

using testing::Json;
using testing::JsonReader;
using testing::unhex;

std::vector<Json> load(const std::string& file) {
    std::ifstream in(std::string(MITOKIT_SOURCE_DIR) + "/conformance/vectors/" + file);
    EXPECT_TRUE(in) << "missing conformance/vectors/" << file;
    std::vector<Json> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(JsonReader::parse(line));
    return out;
}

TEST(ConformanceSuite, PicklesDecodeAsTheReference) {
    const auto cases = load("pickles.jsonl");
    ASSERT_GT(cases.size(), 200u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c["case"].str);
        const auto bytes = unhex(c["pickle"].str);
        const Json& exp = c["expect"];
        pickle::Document doc;
        const auto st = pickle::decode(bytes, doc);
        if (exp.has("values")) {
            ASSERT_TRUE(st) << st.error().message;
            ASSERT_EQ(doc.roots().size(), exp["values"].arr.size());
            for (std::size_t i = 0; i < doc.roots().size(); ++i) {
                std::string json;
                ASSERT_TRUE(pickle::to_json(doc, doc.roots()[i], json));
                EXPECT_EQ(json, exp["values"].arr[i].str);
            }
            continue;
        }
        const std::string kind = exp["error"].str;
        if (kind == "no_canonical_json") {
            // The reference accepts it but the value has no canonical JSON: refusing either way is right.
            bool printed_all = st.has_value();
            if (st)
                for (auto r : doc.roots()) {
                    std::string json;
                    printed_all = printed_all && pickle::to_json(doc, r, json).has_value();
                }
            EXPECT_FALSE(printed_all) << "printed a value that has no canonical JSON";
            continue;
        }
        ASSERT_FALSE(st) << "accepted what the reference refuses: " << exp["reference"].str;
        if (kind == "refused_global" || kind == "truncated") {
            EXPECT_STREQ(errc_name(st.error().code), kind.c_str()) << st.error().message;
        }
        if (kind == "refused_global") {
            EXPECT_EQ(st.error().offset, static_cast<std::uint64_t>(exp["offset"].as_int())) << st.error().message;
            // The message names the module and name as the reference does.
            const auto quote = exp["reference"].str.find('\'');
            EXPECT_NE(st.error().message.find(exp["reference"].str.substr(quote)), std::string::npos)
                << st.error().message << " vs " << exp["reference"].str;
        }
    }
}

TEST(ConformanceSuite, EncoderWritesCPythonBytes) {
    const auto cases = load("encode.jsonl");
    ASSERT_GT(cases.size(), 20u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c["case"].str);
        pickle::Document doc;
        auto root = pickle::from_json(c["json"].str, doc);
        ASSERT_TRUE(root) << root.error().message;
        std::vector<std::uint8_t> out;
        ASSERT_TRUE(pickle::encode(doc, *root, out));
        EXPECT_EQ(out, unhex(c["pickle"].str));
    }
}

TEST(ConformanceSuite, FramesDecodeAsTheReference) {
    const auto cases = load("frames.jsonl");
    ASSERT_GT(cases.size(), 10u);
    for (const auto& c : cases) {
        SCOPED_TRACE(c["case"].str);
        StreamOptions opt;
        opt.start = c["start"].str == "frames" ? StreamStart::frames : StreamStart::detect;
        opt.max_message_size = static_cast<std::uint32_t>(c["max_message_size"].as_int());
        const auto got = decode_all(unhex(c["stream"].str), opt);
        const auto& exp = c["expect"].arr;
        ASSERT_EQ(got.items.size(), exp.size());
        for (std::size_t i = 0; i < exp.size(); ++i) {
            const auto& it = got.items[i];
            const Json& e = exp[i];
            if (e.has("message")) {
                const Json& m = e["message"];
                ASSERT_EQ(it.kind, DecodedStream::Item::Kind::message) << "item " << i;
                EXPECT_EQ(it.offset, static_cast<std::uint64_t>(m["offset"].as_int()));
                EXPECT_EQ(static_cast<int>(it.header.enc), m["enc"].as_int());
                EXPECT_EQ(it.header.dst_id, m["dst"].as_int());
                EXPECT_EQ(it.header.src_id, m["src"].as_int());
                EXPECT_EQ(it.header.auth_id, m["auth"].as_int());
                EXPECT_EQ(it.header.handle, m["handle"].as_int());
                EXPECT_EQ(it.header.reply_to, m["reply_to"].as_int());
                EXPECT_EQ(it.payload, unhex(m["payload"].str));
            } else if (e.has("event")) {
                ASSERT_EQ(it.kind, DecodedStream::Item::Kind::bootstrap) << "item " << i;
                EXPECT_STREQ(bootstrap_kind_name(it.bootstrap.kind), e["event"].str.c_str());
                EXPECT_EQ(it.bootstrap.offset, static_cast<std::uint64_t>(e["offset"].as_int()));
                EXPECT_EQ(it.bootstrap.length, static_cast<std::uint64_t>(e["length"].as_int()));
                if (e.has("inflated_size")) {
                    EXPECT_EQ(it.bootstrap.inflated_size, static_cast<std::uint64_t>(e["inflated_size"].as_int()));
                }
            } else {
                ASSERT_EQ(it.kind, DecodedStream::Item::Kind::error) << "item " << i;
                EXPECT_STREQ(errc_name(it.err.code), e["error"].str.c_str()) << it.err.message;
                EXPECT_EQ(it.err.offset, static_cast<std::uint64_t>(e["offset"].as_int())) << it.err.message;
            }
        }
    }
}

} // namespace
} // namespace mitokit
