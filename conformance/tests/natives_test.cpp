#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "mitokit/conformance/natives.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/runtime/live_env.hpp"
#include "mitokit/runtime/parent.hpp"
#include "mitokit/sim/calls.hpp"

namespace mitokit::conformance {
namespace {

// Runs mitokit_conform.<fn> natively; returns "value <json>" or the error text.
std::string run(const std::string& fn, const std::string& args, const std::string& kwargs = "{\"kwargs\":[]}",
                std::optional<std::string> klass = std::nullopt) {
    sim::FunctionRegistry r;
    add_conform_functions(r);
    const auto* f = r.find(CONFORM_MODULE, klass, fn);
    if (!f) return "not registered";
    auto c = sim::make_call(CONFORM_MODULE, klass, fn);
    if (auto st = runtime::set_call_arguments(c, args, kwargs); !st) return "bad args: " + st.error().message;
    std::string out = "no result";
    runtime::LiveEnv env{runtime::LiveOptions{}};
    sim::NodeShared shared;
    sim::Node node(env, shared, sim::NodeConfig{1, {0}});
    const auto keep = [](void* into, const sim::CallResult& res) {
        std::string& o = *static_cast<std::string*>(into);
        if (res.error) {
            o = *res.error;
            return;
        }
        std::string j;
        pickle::Document scratch;
        const auto [doc, root] = res.value(scratch);
        (void)pickle::to_json(*doc, root, j);
        o = "value " + j;
    };
    (*f)(node, c, sim::CallDone(keep, &out));
    return out;
}

TEST(Natives, ValuesAsPythonReturnsThem) {
    EXPECT_EQ(run("echo", "[{\"tuple\":[1,\"x\",{\"bytes\":\"AP8=\"}]}]"), "value {\"tuple\":[1,\"x\",{\"bytes\":\"AP8=\"}]}");
    EXPECT_EQ(run("add", "[9223372036854775807,1]"), "value {\"int\":\"9223372036854775808\"}");
    EXPECT_EQ(run("add", "[-9223372036854775807,-9223372036854775807]"), "value {\"int\":\"-18446744073709551614\"}");
    EXPECT_EQ(run("add", "[\"a\",\"b\"]"), "value \"ab\"");
    EXPECT_EQ(run("kwargs_items", "[]", "{\"kwargs\":[[\"z\",1],[\"a\",null]]}"),
              "value [{\"tuple\":[\"a\",null]},{\"tuple\":[\"z\",1]}]");
    EXPECT_EQ(run("length", "[\"h\\u00e9\\u2603\"]"), "value 3");
    EXPECT_EQ(run("length", "[{\"dict\":[[1,2],[3,4]]}]"), "value 2");
    EXPECT_EQ(run("blob", "[3]"), "value {\"bytes\":\"paWl\"}");
    EXPECT_EQ(run("double", "[4611686018427387904]", "{\"kwargs\":[]}", "Calc"),
              "value {\"int\":\"9223372036854775808\"}");
}

TEST(Natives, ErrorsAsPythonRaisesThem) {
    EXPECT_EQ(run("fail", "[\"boom\"]"), "builtins.ValueError: boom");
    EXPECT_EQ(run("echo", "[]"), "builtins.TypeError: echo() missing 1 required positional argument: 'value'");
    EXPECT_EQ(run("add", "[]"), "builtins.TypeError: add() missing 2 required positional arguments: 'a' and 'b'");
    EXPECT_EQ(run("add", "[1,2,3]"), "builtins.TypeError: add() takes 2 positional arguments but 3 were given");
    EXPECT_EQ(run("echo", "[1]", "{\"kwargs\":[[\"k\",1]]}"),
              "builtins.TypeError: echo() got an unexpected keyword argument 'k'");
    EXPECT_EQ(run("kwargs_items", "[1]"), "builtins.TypeError: kwargs_items() takes 0 positional arguments but 1 was given");
    EXPECT_EQ(run("double", "[1,2]", "{\"kwargs\":[]}", "Calc"),
              "builtins.TypeError: Calc.double() takes 2 positional arguments but 3 were given");
    EXPECT_EQ(run("add", "[1,\"x\"]"), "builtins.TypeError: unsupported operand type(s) for +: 'int' and 'str'");
    EXPECT_EQ(run("length", "[5]"), "builtins.TypeError: object of type 'int' has no len()");
    EXPECT_EQ(run("blob", "[-1]"), "builtins.ValueError: blob size out of range");
    EXPECT_EQ(run("blob", "[16777217]"), "builtins.ValueError: blob size out of range");
}


// Every case is run natively and by CPython on the real mitokit_conform.py
// (natives_oracle.py): the answers must be equal, value for value and message for
// message. These are the calls where the natives once answered differently from
// the reference listener's Python target (found by conformance/live/check_listeners.py).
TEST(Natives, AgreeWithCPython) {
    struct Case {
        const char* fn;
        const char* klass;
        const char* args;
        const char* kwargs;
    };
    const std::vector<Case> cases = {
        {"add", nullptr, "[1,{\"float\":\"2.5\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"float\":\"1e308\"},{\"float\":\"1e308\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[true,true]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"int\":\"1180591620717411303424\"},-1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"int\":\"-1180591620717411303424\"},{\"int\":\"1180591620717411303424\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"int\":\"-1180591620717411303424\"},1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"int\":\"99999999999999999999\"},1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[9223372036854775807,1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"int\":\"" "1" "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                         "\"},{\"float\":\"1.0\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[\"a\",1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[\"a\",{\"bytes\":\"Yg==\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"bytes\":\"YQ==\"},\"b\"]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"bytes\":\"YQ==\"},{\"blob\":\"Yg==\"}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"secret\":\"s\"},\"t\"]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"secret\":\"s\"},1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[[1],[2,3]]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[[1],{\"tuple\":[2]}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"tuple\":[1]},{\"tuple\":[2]}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"tuple\":[1]},null]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[null,1]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[1,\"x\"]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"dict\":[]},{\"dict\":[]}]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[{\"float\":\"1.5\"},[1]]", "{\"kwargs\":[]}"},
        {"add", nullptr, "[1]", "{\"kwargs\":[[\"b\",2]]}"},
        {"add", nullptr, "[]", "{\"kwargs\":[[\"b\",2]]}"},
        {"add", nullptr, "[1,2,3]", "{\"kwargs\":[[\"b\",2]]}"},
        {"add", nullptr, "[1,2]", "{\"kwargs\":[[\"c\",2]]}"},
        {"echo", nullptr, "[1]", "{\"kwargs\":[[\"value\",2]]}"},
        {"echo", nullptr, "[]", "{\"kwargs\":[[\"value\",{\"secret\":\"k\"}]]}"},
        {"fail", nullptr, "[{\"bytes\":\"eA==\"}]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[{\"bytes\":\"aXQncyAieCIgAP8JXA==\"}]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[{\"bytes\":\"aXQncw==\"}]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[7]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[null]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[false]", "{\"kwargs\":[]}"},
        {"fail", nullptr, "[]", "{\"kwargs\":[[\"text\",\"kw\"]]}"},
        {"length", nullptr, "[]", "{\"kwargs\":[[\"value\",[1,2]]]}"},
        {"blob", nullptr, "[]", "{\"kwargs\":[[\"n\",2]]}"},
        {"double", "Calc", "[{\"int\":\"9223372036854775808\"}]", "{\"kwargs\":[]}"},
        {"double", "Calc", "[\"ab\"]", "{\"kwargs\":[]}"},
        {"double", "Calc", "[[1]]", "{\"kwargs\":[]}"},
        {"double", "Calc", "[true]", "{\"kwargs\":[]}"},
        {"double", "Calc", "[null]", "{\"kwargs\":[]}"},
        {"double", "Calc", "[]", "{\"kwargs\":[[\"x\",3]]}"},
    };
    char path[] = "/tmp/mitokit-natives-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    {
        std::ofstream f(path);
        for (const auto& c : cases) {
            auto quote = [](const char* s) {
                std::string out = "\"";
                for (const char* p = s; *p; ++p) {
                    if (*p == '"' || *p == '\\') out += '\\';
                    out += *p;
                }
                return out + "\"";
            };
            f << "[" << quote(c.fn) << "," << (c.klass ? quote(c.klass) : "null") << "," << quote(c.args) << ","
              << quote(c.kwargs) << "]\n";
        }
    }
    const std::string cmd = std::string(MITOKIT_PYTHON) + " " MITOKIT_CONFORMANCE_DIR "/tests/natives_oracle.py "
                            MITOKIT_SHARED_DIR " " MITOKIT_CONFORMANCE_DIR " < " + path;
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::vector<std::string> want;
    std::string line;
    for (int ch; (ch = std::fgetc(p)) != EOF;) {
        if (ch == '\n') {
            want.push_back(line);
            line.clear();
        } else {
            line += static_cast<char>(ch);
        }
    }
    ::pclose(p);
    std::remove(path);
    ASSERT_EQ(want.size(), cases.size()) << "the CPython oracle did not answer every case";
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        const auto klass = c.klass ? std::optional<std::string>(c.klass) : std::nullopt;
        EXPECT_EQ(run(c.fn, c.args, c.kwargs, klass), want[i]) << c.fn << " args " << c.args << " kwargs " << c.kwargs;
    }
}

} // namespace
} // namespace mitokit::conformance
