#include "mitokit/bootstrap.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace mitokit::bootstrap {
namespace {

std::string run_python(const std::string& script) {
    // Writes the script to a file to keep shell quoting out of the way.
    char path[] = "/tmp/mitokit-bootstrap-test-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    FILE* f = fdopen(fd, "w");
    std::fputs(script.c_str(), f);
    std::fclose(f);
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen((std::string(MITOKIT_PYTHON) + " " + path + " 2>&1").c_str(), "r"), pclose);
    std::array<char, 4096> buf{};
    while (p && std::fgets(buf.data(), buf.size(), p.get())) out += buf.data();
    std::remove(path);
    return out;
}

TEST(Bootstrap, ConfigLiteralHasReferenceDefaults) {
    EXPECT_EQ(config_literal(ChildConfig{}),
              "{'parent_ids': [0], 'context_id': 1, 'debug': False, 'profiling': False, "
              "'unidirectional': False, 'log_level': 30, 'whitelist': [''], 'blacklist': [], "
              "'max_message_size': 134217728, 'version': (0, 3, 3)}");
}

TEST(Bootstrap, ConfigLiteralEvaluatesInPython) {
    ChildConfig cfg;
    cfg.parent_ids = {4, 1, 0};
    cfg.context_id = 9;
    cfg.blacklist = {"it's", "back\\slash", "caf\xc3\xa9\n"};
    const auto out = run_python("import ast\nprint(repr(ast.literal_eval(" + python_str_literal(config_literal(cfg)) + ")['blacklist']), ast.literal_eval(" +
                                python_str_literal(config_literal(cfg)) + ")['parent_ids'])\n");
    EXPECT_EQ(out, "[\"it's\", 'back\\\\slash', 'café\\n'] [4, 1, 0]\n");
}

TEST(Bootstrap, PreambleInflatesToSourceAndConfigCall) {
    const auto pre = build_preamble("X = 1", ChildConfig{});
    std::vector<unsigned char> out(4096);
    uLongf n = out.size();
    ASSERT_EQ(uncompress(out.data(), &n, pre.data(), pre.size()), Z_OK);
    const std::string text(reinterpret_cast<char*>(out.data()), n);
    EXPECT_EQ(text.rfind("X = 1\nExternalContext({'parent_ids': [0]", 0), 0u) << text;
    EXPECT_EQ(text.substr(text.size() - 9), ").main()\n");
    EXPECT_EQ(pre[0], 0x78);
    EXPECT_EQ(pre[1], 0xda); // level 9, as the reference
}

TEST(Bootstrap, Base64MatchesRfc4648) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(Bootstrap, RefusesSlashesInContextName) {
    auto a = boot_argv("/usr/bin/python3", "user/evil", 10);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, Errc::bad_argument);
    EXPECT_NE(a.error().message.find("user/evil"), std::string::npos);
    EXPECT_FALSE(boot_argv("/usr/bin/python3", "a\\b", 10));
}

TEST(Bootstrap, ArgvDecodesToFirstStageInPython) {
    auto argv = boot_argv("/usr/bin/python3", "it's me", 1234);
    ASSERT_TRUE(argv);
    ASSERT_EQ(argv->size(), 3u);
    EXPECT_EQ((*argv)[1], "-c");
    // Decode the -c program the way the child does, but print the first stage instead of running it.
    const std::string prog = (*argv)[2];
    const auto pos = prog.find("exec(");
    ASSERT_NE(pos, std::string::npos);
    const std::string expr = prog.substr(pos + 5, prog.size() - pos - 6);
    const auto out = run_python("import codecs,os,sys;_=codecs.decode\nsrc=" + expr + "\ncompile(src,'stage','exec')\nprint(src.decode())\n");
    EXPECT_NE(out.find("read(1234)"), std::string::npos) << out;
    EXPECT_NE(out.find("(mitogen:it\\'s me)"), std::string::npos) << out;
    EXPECT_NE(out.find("MITO000"), std::string::npos);
    EXPECT_NE(out.find("os.dup2(0,100)"), std::string::npos);
}

} // namespace
} // namespace mitokit::bootstrap
