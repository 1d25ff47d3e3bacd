#include <gtest/gtest.h>

#include <sstream>

#include "mitokit/conformance/endpoint.hpp"
#include "mitokit/conformance/report.hpp"

namespace mitokit::conformance {
namespace {

TEST(Endpoint, UnixSpec) {
    auto ok = parse_unix_spec("unix:/tmp/x.sock");
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, "/tmp/x.sock");
    auto bad = parse_unix_spec("tcp:1.2.3.4:5");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::usage);
    EXPECT_EQ(bad.error().message, "peer 'tcp:1.2.3.4:5' is not unix:PATH");
    auto empty = parse_unix_spec("unix:");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message, "peer 'unix:' has an empty socket path");
}

TEST(Report, JsonLinesAndTable) {
    std::vector<CaseResult> r{{"a", "x\"y", "x\"y", true}, {"b", "1", "2\n3", false}};
    std::ostringstream j;
    print_json_lines(j, r);
    EXPECT_EQ(j.str(), "{\"case\":\"a\",\"expected\":\"x\\\"y\",\"got\":\"x\\\"y\",\"pass\":true}\n"
                       "{\"case\":\"b\",\"expected\":\"1\",\"got\":\"2\\n3\",\"pass\":false}\n");
    std::ostringstream t;
    print_table(t, r);
    EXPECT_NE(t.str().find("FAIL"), std::string::npos);
    EXPECT_NE(t.str().find("1 of 2 cases passed"), std::string::npos);
    EXPECT_EQ(failures(r), 1u);
}

} // namespace
} // namespace mitokit::conformance
