// Command-line errors: each names what is wrong and exits 2 (usage) or 1 (input).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Out {
    int status;
    std::string text; // stdout and stderr
};

Out run(const std::string& args) {
    Out o{-1, {}};
    FILE* p = popen((std::string(MITOKIT_SIM_EXE) + " " + args + " 2>&1").c_str(), "r");
    if (!p) return o;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
    const int st = pclose(p);
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return o;
}

TEST(SimulateCli, BadArgumentsAreNamed) {
    auto o = run("simulate --faults cut=x");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("bad count in --faults item 'cut=x'"), std::string::npos) << o.text;
    o = run("simulate --faults melt=1");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("unknown fault 'melt'"), std::string::npos) << o.text;
    o = run("simulate --depth 0");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("--depth must be 1..8, got 0"), std::string::npos) << o.text;
    o = run("simulate --levels 10,x");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("bad --levels item 'x'"), std::string::npos) << o.text;
    o = run("simulate --levels 2000,2000");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("above the limit of 2000000"), std::string::npos) << o.text;
    o = run("simulate --call-window -3");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("--call-window must not be negative, got '-3'"), std::string::npos) << o.text;
    o = run("simulate --modules bogus");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("unknown --modules 'bogus'"), std::string::npos) << o.text;
    o = run("simulate --tree /nonexistent/tree.txt");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot open tree file '/nonexistent/tree.txt': No such file or directory"), std::string::npos)
        << o.text;
    o = run("simulate --pcap /nonexistent-dir/x.pcapng --levels 1");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot create capture file"), std::string::npos) << o.text;
}

TEST(SimulateCli, LooseOrClashingArgumentsAreRefused) {
    // Each: the arguments, the exit status, what the message must say.
    const struct {
        const char* args;
        int status;
        const char* says;
    } cases[] = {
        {"--faults cut=1x", 2, "bad count in --faults item 'cut=1x'"},
        {"--faults 'cut=1;crash=2'", 2, "bad count in --faults item 'cut=1;crash=2'"},
        {"--faults cut=1,cut=2", 2, "fault 'cut' given twice"},
        {"--tree /dev/null --levels 5,5", 2, "--levels cannot be given with it"},
        {"--tree /dev/null --depth 0", 2, "--depth cannot be given with it"},
        {"--tree /", 1, "cannot read tree file '/': Is a directory"},
        {"--levels ''", 2, "--levels is empty"},
        {"--levels 2 --kill 1,", 2, "bad --kill '1,' (a trailing comma)"},
        {"--levels 2 --dot -", 2, "--dot needs a file name"},
        {"--levels 2 --pcap ''", 2, "--pcap needs a file name"},
        {"--levels 2 --json /tmp/mitokit-same.out --dot /tmp/../tmp/mitokit-same.out", 2, "--dot and --json both write"},
        {"--levels 1 --calls 4294967295", 2, "--calls must be 0..1000000"},
        {"--levels 1 --logs 4294967295", 2, "--logs 0..100000"},
        {"--levels 100,100 --calls 500", 2, "the limits are 100000000 in all and 4000000 at once"},
        {"--levels 1 --modules none --imports a0", 2, "--modules none serves none"},
        {"--levels 2000000", 2, "the tree has more than 2000000 contexts"},
        {"--faults cut=1000001", 2, "bad count in --faults item 'cut=1000001' (want a whole number 0..1000000)"},
        {"--tree ''", 2, "--tree needs a file name"},
        {"--levels 2 --kill ''", 2, "--kill is empty (want context IDs such as 1,1003)"},
        {"--levels 2 --kill 0", 2, "bad --kill item '0' in '0' (want context IDs other than the master's 0"},
        {"--levels 2 --modules none --pcap /dev/full", 1, "/dev/full: writing the capture failed"},
    };
    for (const auto& c : cases) {
        const auto o = run(std::string("simulate ") + c.args);
        EXPECT_EQ(o.status, c.status) << c.args << ": " << o.text;
        EXPECT_NE(o.text.find(c.says), std::string::npos) << c.args << ": " << o.text;
    }
    // Within the limits, a window makes many calls per leaf acceptable.
    const auto o = run("simulate --levels 2 --modules none --logs 0 --calls 3 --call-window 1 --json");
    EXPECT_EQ(o.status, 0) << o.text;
    EXPECT_NE(o.text.find("\"calls\":{\"started\":6,\"ok\":6"), std::string::npos) << o.text;
}

TEST(SimulateCli, JsonReportHasTheDocumentedKeys) {
    auto o = run("simulate --levels 2,2 --modules synthetic --seed 3 --json");
    ASSERT_EQ(o.status, 0) << o.text;
    for (const char* k : {"\"contexts\":7", "\"event_hash\":\"", "\"wall_s\":", "\"peak_rss_bytes\":"})
        EXPECT_NE(o.text.find(k), std::string::npos) << k;
    // Same seed, same hash, from the command line too.
    auto again = run("simulate --levels 2,2 --modules synthetic --seed 3 --json");
    const auto h = [](const std::string& t) { return t.substr(t.find("\"event_hash\""), 32); };
    EXPECT_EQ(h(o.text), h(again.text));
}

TEST(ModulesCli, BadArgumentsAreNamed) {
    auto o = run("modules");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("usage: mitokit modules plan"), std::string::npos);
    o = run("modules frobnicate");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("unknown action 'frobnicate'"), std::string::npos);
    o = run("modules plan --request six");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("need at least one --path and one --request"), std::string::npos);
    o = run("modules plan --path /tmp --loaded /nonexistent/loaded.txt --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot open loaded-modules file '/nonexistent/loaded.txt'"), std::string::npos) << o.text;
    const std::string bad = ::testing::TempDir() + "/mitokit_bad_loaded_" + std::to_string(getpid()) + ".txt";
    std::ofstream(bad) << "six\tmaybe\n";
    o = run("modules plan --path /tmp --loaded " + bad + " --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find(":1: second field must be 'stdlib', 'nofile' or '-', got 'maybe'"), std::string::npos)
        << o.text;
    std::ofstream(bad) << "six\t-\tsix.py\n";
    o = run("modules plan --path /tmp --loaded " + bad + " --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find(":1: third field must be an absolute path or '-', got 'six.py'"), std::string::npos) << o.text;
    std::ofstream(bad) << "six\t-\t-\tgetsource\n";
    o = run("modules plan --path /tmp --loaded " + bad + " --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find(":1: fourth field 'getsource' needs a file in the third"), std::string::npos) << o.text;
    std::ofstream(bad) << "six\t-\t/x/six.py\tlinecache\n";
    o = run("modules plan --path /tmp --loaded " + bad + " --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find(":1: fourth field must be 'getsource', got 'linecache'"), std::string::npos) << o.text;
    std::remove(bad.c_str());
    o = run("modules scan /nonexistent/x.py");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot open '/nonexistent/x.py'"), std::string::npos);
    for (const char* action : {"scan", "minify"}) {
        o = run(std::string("modules ") + action + " --help");
        EXPECT_EQ(o.status, 0) << action << ": " << o.text;
        EXPECT_NE(o.text.find(std::string(action) + ": "), std::string::npos) << o.text;
        EXPECT_EQ(o.text.find("cannot open"), std::string::npos) << o.text;
    }
}

TEST(ModulesCli, LoadedModulesAreServedFromTheirOwnFiles) {
    // An import hook (pkg_resources.extern, setuptools' distutils) loads `hooked` from
    // a directory that is not on the path: the loaded file's third field names it, and
    // submodules that are not loaded yet are looked up in that package's directory.
    namespace fs = std::filesystem;
    const fs::path root = fs::path(::testing::TempDir()) / ("mitokit_hook_" + std::to_string(getpid()));
    fs::create_directories(root / "path");
    fs::create_directories(root / "elsewhere" / "real");
    std::ofstream(root / "elsewhere" / "real" / "__init__.py") << "from .sub import X\n";
    std::ofstream(root / "elsewhere" / "real" / "sub.py") << "X = 1\n";
    std::ofstream(root / "elsewhere" / "real" / "later.py") << "Y = 2\n";
    const std::string real = (root / "elsewhere" / "real").string();
    std::ofstream(root / "loaded.txt") << "hooked\t-\t" << real << "/__init__.py\n"
                                       << "hooked.sub\t-\t" << real << "/sub.py\n"
                                       << "alias\t-\t-\n";
    const auto o = run("modules plan --path " + (root / "path").string() + " --loaded " + (root / "loaded.txt").string() +
                       " --request hooked --request hooked.later --request alias");
    EXPECT_EQ(o.status, 0) << o.text;
    EXPECT_NE(o.text.find("{\"fullname\":\"hooked.sub\",\"pkg_present\":null,\"path\":\"" + real + "/sub.py\""),
              std::string::npos) << o.text;
    EXPECT_NE(o.text.find("{\"fullname\":\"hooked\",\"pkg_present\":[\"later\",\"sub\"],\"path\":\"" + real + "/__init__.py\""),
              std::string::npos) << o.text;
    EXPECT_NE(o.text.find("{\"fullname\":\"hooked.later\",\"pkg_present\":null,\"path\":\"" + real + "/later.py\""),
              std::string::npos) << o.text;
    EXPECT_NE(o.text.find("{\"fullname\":\"alias\",\"pkg_present\":null,\"path\":null"), std::string::npos) << o.text;
    fs::remove_all(root);
}

TEST(ModulesCli, MinifyErrorsAreNamed) {
    auto o = run("modules minify");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("need at least one FILE"), std::string::npos) << o.text;
    o = run("modules minify --shrink x.py");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("unknown option '--shrink'"), std::string::npos) << o.text;
    o = run("modules minify --source a.py b.py");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("need exactly one FILE with --source"), std::string::npos) << o.text;
    o = run("modules minify /nonexistent/x.py");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot open '/nonexistent/x.py'"), std::string::npos) << o.text;
    const std::string bad = ::testing::TempDir() + "/mitokit_bad_minify_" + std::to_string(getpid()) + ".py";
    std::ofstream(bad) << "x = \"\"\"never closed\n";
    o = run("modules minify --all " + bad);
    EXPECT_EQ(o.status, 1); // bad input, and still one JSON object per file: the error is its "error" key
    EXPECT_NE(o.text.find("\"error\":\"EOF in multi-line string starting at line 1\""), std::string::npos) << o.text;
    o = run("modules minify --all --source " + bad);
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find(": EOF in multi-line string starting at line 1"), std::string::npos) << o.text;
    std::remove(bad.c_str());
}

TEST(ModulesCli, ADirectoryIsAReadErrorNotAnEmptyFile) {
    const std::string dir = ::testing::TempDir();
    for (const char* action : {"scan", "minify"}) {
        auto o = run(std::string("modules ") + action + " " + dir);
        EXPECT_EQ(o.status, 1) << action << ": " << o.text;
        EXPECT_NE(o.text.find("cannot read '" + dir + "': Is a directory"), std::string::npos) << o.text;
        EXPECT_EQ(o.text.find("{\"file\""), std::string::npos) << o.text;
    }
    auto o = run("modules plan --path /tmp --loaded " + dir + " --request six");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.text.find("cannot read loaded-modules file '" + dir + "': Is a directory"), std::string::npos)
        << o.text;
    o = run("modules scan --bogus");
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.text.find("mitokit modules scan: unknown option '--bogus'"), std::string::npos) << o.text;
}

} // namespace
