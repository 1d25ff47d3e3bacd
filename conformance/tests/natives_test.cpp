#include <gtest/gtest.h>

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
    (*f)(node, c, [&](sim::CallResult res) {
        if (res.error) {
            out = *res.error;
            return;
        }
        std::string j;
        pickle::Document scratch;
        const auto [doc, root] = res.value(scratch);
        (void)pickle::to_json(*doc, root, j);
        out = "value " + j;
    });
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

} // namespace
} // namespace mitokit::conformance
