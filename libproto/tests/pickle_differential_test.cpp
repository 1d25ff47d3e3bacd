// Seeded randomized differential tests against CPython 3 + mitogen 0.3.3:
// our protocol-2 encoding must equal pickle.dumps(from_json(text), protocol=2),
// and our decoding of CPython's pickles (protocols 0-5) must print what
// value_json.py's loads prints. Set MITOKIT_SEED to replay a failure.
#include <gtest/gtest.h>

#include <cstdlib>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "pickle_random_values.hpp"
#include "pickle_test_util.hpp"

namespace mitokit::pickle {
namespace {

std::uint64_t seed() {
    if (const char* s = std::getenv("MITOKIT_SEED")) return std::strtoull(s, nullptr, 10);
    return 20241125;
}

std::vector<std::string> generate(std::uint64_t s, std::size_t n) {
    test::RandomValues gen(s);
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(gen.value());
    return v;
}

TEST(PickleDifferential, EncoderMatchesCPythonDumpsProtocol2) {
    const auto s = seed();
    SCOPED_TRACE("MITOKIT_SEED=" + std::to_string(s));
    const auto values = generate(s, 1500);
    const auto expected = test::oracle("dumps", values);
    ASSERT_EQ(expected.size(), values.size()) << "the oracle did not answer (python: " MITOKIT_PYTHON ")";
    int failures = 0;
    for (std::size_t i = 0; i < values.size() && failures < 5; ++i) {
        if (expected[i].rfind("ERR", 0) == 0) continue; // not a value CPython can build (reported below)
        const auto ours = test::encode_json(values[i]);
        if (ours != expected[i]) {
            ++failures;
            ADD_FAILURE() << "value #" << i << ": " << values[i].substr(0, 400) << "\n ours: " << ours.substr(0, 400)
                          << "\n cpy:  " << expected[i].substr(0, 400);
        }
    }
    std::size_t errs = 0;
    for (const auto& e : expected) errs += e.rfind("ERR", 0) == 0;
    EXPECT_LT(errs, values.size() / 10) << "too many values CPython refused to build";
}

TEST(PickleDifferential, DecoderMatchesMitogenLoadsOnCPythonPickles) {
    const auto s = seed() + 1;
    SCOPED_TRACE("MITOKIT_SEED=" + std::to_string(s - 1));
    const auto values = generate(s, 400);
    std::vector<std::string> requests;
    for (int proto = 0; proto <= 5; ++proto)
        for (const auto& v : values) requests.push_back(std::to_string(proto) + " " + v);
    const auto pickles = test::oracle("proto", requests);
    ASSERT_EQ(pickles.size(), requests.size());
    std::vector<std::string> hexes;
    for (const auto& p : pickles)
        if (p.rfind("ERR", 0) != 0) hexes.push_back(p);
    ASSERT_GT(hexes.size(), requests.size() / 2);
    const auto expected = test::oracle("loads", hexes);
    ASSERT_EQ(expected.size(), hexes.size());
    int failures = 0;
    for (std::size_t i = 0; i < hexes.size() && failures < 5; ++i) {
        const auto bytes = test::unhex(hexes[i]);
        const auto ours = test::decode_json(bytes);
        const bool both_fail = ours.rfind("ERR", 0) == 0 && expected[i].rfind("ERR", 0) == 0;
        if (!both_fail && ours != expected[i]) {
            ++failures;
            ADD_FAILURE() << "pickle " << hexes[i].substr(0, 300) << "\n ours: " << ours.substr(0, 300) << "\n mitogen: " << expected[i].substr(0, 300);
        }
    }
}

} // namespace
} // namespace mitokit::pickle
