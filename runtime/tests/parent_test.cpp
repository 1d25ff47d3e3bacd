// The C++ parent against real /usr/bin/python3 mitogen children.
#include "mitokit/runtime/parent.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "mitokit/pickle/json.hpp"

namespace mitokit::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A real Debian package (python3-pyparsing) under a name the child cannot find
// on its own sys.path, so every module of it must come from the parent.
const fs::path& served_tree() {
    static const fs::path dir = [] {
        const fs::path d = fs::temp_directory_path() / ("mitokit-runtime-" + std::to_string(::getpid()));
        fs::remove_all(d);
        fs::create_directories(d / "mk_pyparsing");
        for (const auto& e : fs::directory_iterator("/usr/lib/python3/dist-packages/pyparsing"))
            if (e.path().extension() == ".py") fs::copy_file(e.path(), d / "mk_pyparsing" / e.path().filename());
        return d;
    }();
    return dir;
}

struct TreeCleanup : ::testing::Environment {
    void TearDown() override { fs::remove_all(served_tree()); }
};
[[maybe_unused]] auto* const cleanup = ::testing::AddGlobalTestEnvironment(new TreeCleanup);

ParentOptions options(transport::LinkKind link = transport::LinkKind::socketpair) {
    ParentOptions o;
    o.paths = {served_tree().string()};
    o.live.python = MITOKIT_PYTHON;
    o.live.link = link;
    o.live.connect_timeout = 15s;
    return o;
}

std::unique_ptr<Parent> make(ParentOptions o = options()) {
    auto p = Parent::create(std::move(o));
    EXPECT_TRUE(p) << p.error().message;
    return p ? std::move(*p) : nullptr;
}

std::string json_of(const sim::Reply& r) {
    std::string s;
    EXPECT_TRUE(pickle::to_json(r.doc, r.root, s));
    return s;
}

std::string run_command(const std::string& cmd, int* status = nullptr) {
    std::string out;
    FILE* f = ::popen(cmd.c_str(), "r");
    if (!f) return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const int st = ::pclose(f);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

long json_int(const std::string& text, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex("\"" + key + "\": ?(-?[0-9]+)"))) return -1;
    return std::stol(m[1]);
}

bool process_gone(int pid) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    std::getline(stat, s);
    const auto close = s.rfind(')');
    return close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'Z'; // a zombie of init
}

TEST(Parent, ImportsARealPackageWithTheRoundTripsAPythonMasterNeeds) {
    const std::string args = R"([3,"ab\ncd"])";
    // The reference: a real mitogen master making the same call.
    const std::string py = run_command(std::string(MITOKIT_PYTHON) + " " MITOKIT_SOURCE_DIR
                                       "/runtime/tests/scripts/python_master.py --value-json " MITOKIT_SHARED_DIR
                                       " --path " + served_tree().string() +
                                       " --call mk_pyparsing.util.col --args '" + args + "'");
    const long py_get = json_int(py, "get_module"), py_load = json_int(py, "load_module");
    ASSERT_GT(py_get, 0) << py;
    ASSERT_GT(py_load, 0) << py;

    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local("child");
    ASSERT_TRUE(id) << id.error().message;
    auto r = p->call(*id, "mk_pyparsing.util", std::nullopt, "col", args);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->ok()) << r->call_error.value_or("") << r->decode_error.value_or("");
    EXPECT_EQ(json_of(*r), std::to_string(json_int(py, "result"))) << py;
    const auto c = p->module_counts();
    EXPECT_EQ(static_cast<long>(c.get_module), py_get) << "python master: " << py;
    EXPECT_EQ(static_cast<long>(c.load_module), py_load) << "python master: " << py;
    // Every module of the package ran in the child: a second call asks for nothing.
    auto again = p->call(*id, "mk_pyparsing.util", std::nullopt, "col", args);
    ASSERT_TRUE(again && again->ok());
    EXPECT_EQ(p->module_counts().get_module, c.get_module);
    const auto pids = p->env().child_pids();
    ASSERT_EQ(pids.size(), 1u);
    EXPECT_TRUE(p->shutdown());
    EXPECT_TRUE(p->env().child_pids().empty());
    EXPECT_TRUE(process_gone(pids[0]));
    EXPECT_TRUE(p->env().errors().empty()) << p->env().errors().front();
}

TEST(Parent, MitogenSubmoduleCostsWhatItCostsAPythonMaster) {
    // mitogen.* submodules always come from the parent (the child's mitogen
    // package is synthetic), served here from the installed python3-mitogen.
    const std::string py = run_command(std::string(MITOKIT_PYTHON) + " " MITOKIT_SOURCE_DIR
                                       "/runtime/tests/scripts/python_master.py --value-json " MITOKIT_SHARED_DIR
                                       " --call mitogen.parent.get_default_remote_name");
    ASSERT_GT(json_int(py, "get_module"), 0) << py;
    auto p = make(options(transport::LinkKind::pipes));
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id) << id.error().message;
    auto r = p->call(*id, "mitogen.parent", std::nullopt, "get_default_remote_name");
    ASSERT_TRUE(r && r->ok());
    EXPECT_EQ(r->doc[r->root].kind, pickle::Kind::str);
    EXPECT_EQ(static_cast<long>(p->module_counts().get_module), json_int(py, "get_module")) << py;
    EXPECT_EQ(static_cast<long>(p->module_counts().load_module), json_int(py, "load_module")) << py;
    EXPECT_TRUE(p->shutdown());
}

TEST(Parent, PipesLinkCarriesCallsAndKeywordArguments) {
    auto p = make(options(transport::LinkKind::pipes));
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id) << id.error().message;
    auto r = p->call(*id, "os", std::nullopt, "getpid");
    ASSERT_TRUE(r && r->ok());
    ASSERT_EQ(p->env().child_pids().size(), 1u);
    EXPECT_EQ(r->integer(), p->env().child_pids()[0]);
    auto k = p->call(*id, "builtins", std::nullopt, "int", R"(["ff"])", R"({"kwargs":[["base",16]]})");
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->integer(), 255);
    EXPECT_TRUE(p->shutdown());
}

TEST(Parent, CallErrorsComeBackAndUnservableModulesAreRefused) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id) << id.error().message;
    auto r = p->call(*id, "mk_pyparsing.util", std::nullopt, "col", "[]");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->call_error);
    EXPECT_NE(r->call_error->find("TypeError"), std::string::npos) << *r->call_error;
    // A module nobody has: the parent answers negatively (the child would otherwise hang).
    auto missing = p->call(*id, "mk_no_such_module", std::nullopt, "f", "[]", R"({"kwargs":[]})", 10s);
    ASSERT_TRUE(missing) << missing.error().message;
    ASSERT_TRUE(missing->call_error);
    EXPECT_NE(missing->call_error->find("mk_no_such_module"), std::string::npos) << *missing->call_error;
    EXPECT_TRUE(p->shutdown());
}

TEST(Parent, BadArgumentsAreRefusedBeforeSending) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id);
    auto r = p->call(*id, "os", std::nullopt, "getpid", R"({"dict":[]})");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("--args: expected a JSON list"), std::string::npos) << r.error().message;
    auto k = p->call(*id, "os", std::nullopt, "getpid", "[]", R"({"kwargs":[[1,2]]})");
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().message.find("keyword 0 is not a string"), std::string::npos) << k.error().message;
    auto j = p->call(*id, "os", std::nullopt, "getpid", "[1,");
    ASSERT_FALSE(j);
    EXPECT_NE(j.error().message.find("--args"), std::string::npos) << j.error().message;
    auto none = p->call(42, "os", std::nullopt, "getpid");
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("no route to context 42"), std::string::npos) << none.error().message;
}

TEST(Parent, ChildThatDiesGivesAClearError) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id);
    auto r = p->call(*id, "os", std::nullopt, "_exit", "[3]", R"({"kwargs":[]})", 10s);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("exited with status 3"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("os._exit"), std::string::npos) << r.error().message;
    EXPECT_TRUE(p->env().child_pids().empty());
    EXPECT_TRUE(p->shutdown());
}

TEST(Parent, CallTimeoutThenShutdownLeavesNoProcess) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id);
    const auto pid = p->env().child_pids().at(0);
    const auto t0 = Clock::now();
    auto r = p->call(*id, "time", std::nullopt, "sleep", "[30]", R"({"kwargs":[]})", 500ms);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no reply from context 1 to time.sleep within 500 ms"), std::string::npos)
        << r.error().message;
    (void)p->shutdown(1s);
    EXPECT_LT(Clock::now() - t0, 10s);
    EXPECT_TRUE(p->env().child_pids().empty());
    EXPECT_TRUE(process_gone(pid));
}

TEST(Parent, ConnectTimeoutIsAClearError) {
    char path[] = "/tmp/mitokit-runtime-fake-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "#!/bin/sh\nexec sleep 30\n";
    ::chmod(path, 0700);
    auto o = options();
    o.live.python = path;
    o.live.connect_timeout = 400ms;
    auto p = make(o);
    ASSERT_TRUE(p);
    const auto t0 = Clock::now();
    auto id = p->local("slow");
    ::unlink(path);
    ASSERT_FALSE(id);
    EXPECT_NE(id.error().message.find("cannot start context 1 (slow)"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find("no MITO000"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find("within 400 ms"), std::string::npos) << id.error().message;
    EXPECT_LT(Clock::now() - t0, 10s);
    EXPECT_TRUE(p->env().child_pids().empty());
}

TEST(Parent, ForwardedLogsArrive) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id);
    auto r = p->call(*id, "logging", std::nullopt, "warning", R"(["hello %s","from the child"])");
    ASSERT_TRUE(r && r->ok());
    // FORWARD_LOG is a separate message: it may trail the reply.
    p->env().run_until([&] { return !p->env().logs().empty(); }, Clock::now() + 5s);
    bool seen = false;
    for (const auto& l : p->env().logs())
        if (l.src == *id && l.level == 30 && l.text.find("hello from the child") != std::string::npos) seen = true;
    EXPECT_TRUE(seen);
    EXPECT_TRUE(p->shutdown());
}

TEST(Parent, GrandchildThroughTheChildGetsAnIdARouteAndImports) {
    auto p = make();
    ASSERT_TRUE(p);
    auto id = p->local("child");
    ASSERT_TRUE(id);
    auto r = p->call(*id, "mitogen.parent", std::nullopt, "_proxy_connect", "[]",
                     R"({"kwargs":[["name","grandchild"],["method_name","local"],["kwargs",{"kwargs":[]}]]})", 20s);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->ok()) << r->call_error.value_or("");
    const std::string dict = json_of(*r);
    EXPECT_NE(dict.find(R"(["msg",null])"), std::string::npos) << dict;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(dict, m, std::regex(R"(\["id",([0-9]+)\])"))) << dict;
    const long gid = std::stol(m[1]);
    ASSERT_GT(gid, 1) << dict;
    EXPECT_EQ(p->env().counts(p->master()).in[handle::ALLOCATE_ID], 1u);
    // ADD_ROUTE from the child made the grandchild reachable through it.
    p->env().run_until([&] { return p->master().route_for(static_cast<sim::ContextId>(gid)).has_value(); },
                       Clock::now() + 5s);
    ASSERT_TRUE(p->master().route_for(static_cast<sim::ContextId>(gid)));
    auto gp = p->call(static_cast<sim::ContextId>(gid), "os", std::nullopt, "getpid");
    ASSERT_TRUE(gp && gp->ok());
    const int gpid = static_cast<int>(gp->integer().value_or(0));
    EXPECT_GT(gpid, 0);
    EXPECT_NE(gpid, p->env().child_pids().at(0));
    // The grandchild's own imports travel through the child's forwarder.
    auto gi = p->call(static_cast<sim::ContextId>(gid), "mk_pyparsing.util", std::nullopt, "col", R"([3,"ab\ncd"])");
    ASSERT_TRUE(gi) << gi.error().message;
    ASSERT_TRUE(gi->ok()) << gi->call_error.value_or("");
    EXPECT_EQ(gi->integer(), 1);
    EXPECT_TRUE(p->shutdown());
    EXPECT_TRUE(p->env().child_pids().empty());
    const auto t0 = Clock::now();
    while (!process_gone(gpid) && Clock::now() - t0 < 5s) ::usleep(50000);
    EXPECT_TRUE(process_gone(gpid));
}

TEST(ParentCommand, CallsAndPrintsResultAndCounts) {
    int status = -1;
    const std::string exe = MITOKIT_PARENT_EXE;
    const std::string out = run_command(exe + " --path " + served_tree().string() +
                                            " --call mk_pyparsing.util.col --args '[3,\"ab\\ncd\"]' --link pipes --json",
                                        &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find(R"({"result":1,"call_error":false,"get_module":)"), std::string::npos) << out;
    EXPECT_GT(json_int(out, "get_module"), 0) << out;

    const std::string err = run_command(exe + " --call mk_pyparsing.util.col --args '[]' 2>/dev/null", &status);
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("{\"call_error\":"), std::string::npos) << err;

    (void)run_command(exe + " --call nodot 2>/dev/null", &status);
    EXPECT_EQ(status, 2);
    (void)run_command(exe + " --call os.getpid --link carrier-pigeon 2>/dev/null", &status);
    EXPECT_EQ(status, 2);
    // Checked before a child boots: this interpreter does not exist.
    std::string bad = run_command(exe + " --call os.getpid --args '[1' --python /nonexistent/python3 2>&1", &status);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_NE(bad.find("mitokit parent: --args: "), std::string::npos) << bad;
    bad = run_command(exe + " --call os.getpid extra 2>&1", &status);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_NE(bad.find("mitokit parent: unexpected argument 'extra'"), std::string::npos) << bad;
    // 0.1 ms rounds up to 1 ms, not down to 0 (no interpreter boots in 1 ms).
    bad = run_command(exe + " --call os.getpid --timeout 0.0001 2>&1", &status);
    EXPECT_EQ(status, 1) << bad;
    EXPECT_NE(bad.find(" within 1 ms"), std::string::npos) << bad;
    const std::string help = run_command(exe + " --help", &status);
    EXPECT_EQ(status, 0);
    EXPECT_NE(help.find("--call"), std::string::npos);
}

} // namespace
} // namespace mitokit::runtime

namespace mitokit::runtime {
namespace {

TEST(LiveEnvLimits, UnsentBytesPastTheLimitCutTheLinkWithAClearError) {
    auto o = options();
    o.live.max_pending_write = 100; // smaller than one CALL_FUNCTION carrying 1000 bytes
    auto p = make(o);
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id) << id.error().message;
    const auto pid = p->env().child_pids().at(0);
    auto r = p->call(*id, "builtins", std::nullopt, "len", "[\"" + std::string(1000, 'x') + "\"]",
                     R"({"kwargs":[]})", 5s);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("failed"), std::string::npos) << r.error().message;
    ASSERT_FALSE(p->env().errors().empty());
    EXPECT_NE(p->env().errors()[0].find("context 1: more than 100 bytes unsent (peer not reading): link cut"),
              std::string::npos)
        << p->env().errors()[0];
    (void)p->shutdown(2s);
    EXPECT_TRUE(p->env().child_pids().empty());
    EXPECT_TRUE(process_gone(pid));
}

} // namespace
} // namespace mitokit::runtime

namespace mitokit::runtime {
namespace {

TEST(MixedTree, CppContextsAndPythonChildrenSideBySide) {
    auto p = make();
    ASSERT_TRUE(p);
    auto py = p->local("python-child");
    ASSERT_TRUE(py) << py.error().message;
    auto cpp = p->local_cpp("cpp-child");
    ASSERT_TRUE(cpp) << cpp.error().message;
    // The C++ context answers posix.getpid with its context ID (the simulator's stand-in).
    auto a = p->call(*cpp, "posix", std::nullopt, "getpid");
    ASSERT_TRUE(a && a->ok()) << (a ? a->call_error.value_or("") : a.error().message);
    EXPECT_EQ(a->integer(), static_cast<std::int64_t>(*cpp));
    // A real Python child below the C++ context: ALLOCATE_ID goes up to the master,
    // the boot happens in this process, ADD_ROUTE travels up through the C++ node.
    auto r = p->call(*cpp, "mitogen.parent", std::nullopt, "_proxy_connect", "[]",
                     R"({"kwargs":[["name","py-grandchild"]]})", 20s);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->ok()) << r->call_error.value_or("");
    std::smatch m;
    const std::string dict = json_of(*r);
    ASSERT_TRUE(std::regex_search(dict, m, std::regex(R"(\["id",([0-9]+)\])"))) << dict;
    const auto gid = static_cast<sim::ContextId>(std::stol(m[1]));
    p->env().run_until([&] { return p->master().route_for(gid).has_value(); }, Clock::now() + 5s);
    ASSERT_TRUE(p->master().route_for(gid));
    // Imports of the Python grandchild pass through the C++ context's forwarder.
    auto g = p->call(gid, "mk_pyparsing.util", std::nullopt, "col", R"([3,"ab\ncd"])", R"({"kwargs":[]})", 20s);
    ASSERT_TRUE(g) << g.error().message;
    ASSERT_TRUE(g->ok()) << g->call_error.value_or("");
    EXPECT_EQ(g->integer(), 1);
    // And the Python child beside it still works.
    auto b = p->call(*py, "os", std::nullopt, "getpid");
    ASSERT_TRUE(b && b->ok());
    EXPECT_EQ(p->env().child_pids().size(), 2u); // the Python child and grandchild, both ours
    EXPECT_TRUE(p->shutdown());
    EXPECT_TRUE(p->env().child_pids().empty());
    EXPECT_TRUE(p->env().errors().empty()) << p->env().errors().front();
}

} // namespace
} // namespace mitokit::runtime

namespace mitokit::runtime {
namespace {

TEST(LiveEnvTimers, DeferRunsOnWallClockTime) {
    auto p = make();
    ASSERT_TRUE(p);
    auto cpp = p->local_cpp();
    ASSERT_TRUE(cpp) << cpp.error().message;
    const auto t0 = Clock::now();
    // mitokit.sim.sleep(ns) finishes through NodeEnv::defer.
    auto r = p->call(*cpp, "mitokit.sim", std::nullopt, "sleep", "[200000000]");
    ASSERT_TRUE(r && r->ok());
    EXPECT_GE(Clock::now() - t0, 200ms);
    EXPECT_TRUE(p->shutdown());
}

TEST(MixedTree, GrandchildThatCannotBootIsNamedInTheCallError) {
    char path[] = "/tmp/mitokit-runtime-fake-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "#!/bin/sh\nexit 7\n";
    ::chmod(path, 0700);
    auto o = options();
    o.live.python = path;
    auto p = make(o);
    ASSERT_TRUE(p);
    auto cpp = p->local_cpp("cpp");
    ASSERT_TRUE(cpp);
    auto r = p->call(*cpp, "mitogen.parent", std::nullopt, "_proxy_connect", "[]", R"({"kwargs":[["name","gc"]]})",
                     1500ms);
    ::unlink(path);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("cannot start context 2 (gc)"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("status 7"), std::string::npos) << r.error().message;
    EXPECT_TRUE(p->env().child_pids().empty());
}

} // namespace
} // namespace mitokit::runtime

namespace mitokit::runtime {
namespace {

TEST(ParentLoaded, WithThePythonMastersSysModulesTheCountsStillMatch) {
    const std::string dump = served_tree().string() + "-loaded.txt";
    const std::string py = run_command(std::string(MITOKIT_PYTHON) + " " MITOKIT_SOURCE_DIR
                                       "/runtime/tests/scripts/python_master.py --value-json " MITOKIT_SHARED_DIR
                                       " --path " + served_tree().string() +
                                       " --call mk_pyparsing.util.col --args '[3,\"ab\\ncd\"]' --dump-loaded " + dump);
    ASSERT_GT(json_int(py, "get_module"), 0) << py;
    auto o = options();
    o.loaded_file = dump;
    auto p = make(o);
    ::unlink(dump.c_str());
    ASSERT_TRUE(p);
    auto id = p->local();
    ASSERT_TRUE(id) << id.error().message;
    auto r = p->call(*id, "mk_pyparsing.util", std::nullopt, "col", R"([3,"ab\ncd"])");
    ASSERT_TRUE(r && r->ok());
    EXPECT_EQ(static_cast<long>(p->module_counts().get_module), json_int(py, "get_module")) << py;
    EXPECT_EQ(static_cast<long>(p->module_counts().load_module), json_int(py, "load_module")) << py;
    EXPECT_TRUE(p->shutdown());
}

TEST(ParentLoaded, MissingFileIsAClearError) {
    auto o = options();
    o.loaded_file = "/nonexistent/mitokit-loaded.txt";
    auto p = Parent::create(o);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("cannot open loaded-modules file '/nonexistent/mitokit-loaded.txt'"),
              std::string::npos)
        << p.error().message;
}

TEST(ParentLoaded, ADirectoryIsAReadError) {
    auto o = options();
    o.loaded_file = ::testing::TempDir();
    auto p = Parent::create(o);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("cannot read loaded-modules file '" + o.loaded_file + "': Is a directory"),
              std::string::npos)
        << p.error().message;
}

TEST(ParentCommand, PrintsAReplyWhoseJsonIsPastTheDefaultBudget) {
    // 50 MiB of bytes from a real child: base64 past to_json's default 64 MiB, well
    // within the 128 MiB the reference accepts; the value has no sharing, so it prints.
    int status = -1;
    const std::string exe = MITOKIT_PARENT_EXE;
    const std::string out = run_command(exe + " --call os.urandom --args '[52428800]' --json", &status);
    EXPECT_EQ(status, 0) << out.substr(0, 300);
    EXPECT_EQ(out.rfind(R"({"result":{"bytes":")", 0), 0u) << out.substr(0, 300);
    EXPECT_GT(out.size(), std::size_t{4} * 52428800 / 3);
}

} // namespace
} // namespace mitokit::runtime
