#include "modules/minify.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace mitokit::modules {
namespace {

std::string minified(std::string_view src) {
    auto r = minimize_source(src);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : std::string{};
}

TEST(Minify, MarkerNeedsWhitespaceBeforeTheComment) {
    EXPECT_TRUE(has_minify_marker("import os\n# !mitogen: minify_safe\n"));
    EXPECT_TRUE(has_minify_marker("x = 1  #!mitogen:minify_safe"));
    EXPECT_FALSE(has_minify_marker("# !mitogen: minify_safe\n")); // \s+ before '#': nothing at offset 0
    EXPECT_FALSE(has_minify_marker("x\n# mitogen: minify_safe\n"));
    EXPECT_FALSE(has_minify_marker("x\n# !mitogen: minify\n"));
}

TEST(Minify, DropsDocstringsAndLaterCommentsKeepingLineNumbers) {
    const std::string src =
        "#!/usr/bin/env python\n"
        "# coding: utf-8\n"
        "\"\"\"Module doc\n"
        "over two lines.\"\"\"\n"
        "# a comment\n"
        "import os  # trailing\n";
    EXPECT_EQ(minified(src), "#!/usr/bin/env python\n# coding: utf-8\n\n\n\nimport os\n");
}

TEST(Minify, IndentsOneSpacePerLevel) {
    EXPECT_EQ(minified("def f(x):\n    if x:\n        return 1\n    return 2\n"),
              "def f(x):\n if x:\n  return 1\n return 2\n");
}

TEST(Minify, AFunctionDocstringBecomesABlankLine) {
    EXPECT_EQ(minified("def f():\n    \"\"\"doc\"\"\"\n    pass\n"), "def f():\n\n pass\n");
}

TEST(Minify, StringsInsideBracketsStayInTheirColumns) {
    // No INDENT inside brackets: continuation lines keep their columns.
    EXPECT_EQ(minified("x = (\n    'a'\n    'b')\n"), "x = (\n    'a'\n    'b')\n");
}

TEST(Minify, ErrorsWhereTokenizeRaises) {
    auto unterminated = minimize_source("x = '''never closed\n");
    ASSERT_FALSE(unterminated);
    EXPECT_NE(unterminated.error().message.find("EOF in multi-line string"), std::string::npos);
    auto open_paren = minimize_source("x = (1,\n");
    ASSERT_FALSE(open_paren);
    EXPECT_NE(open_paren.error().message.find("multi-line statement"), std::string::npos);
    auto dedent = minimize_source("if x:\n        a\n    b\n");
    ASSERT_FALSE(dedent);
    EXPECT_NE(dedent.error().message.find("line 3"), std::string::npos);
    auto latin1 = minimize_source("x = '\xe9'\n");
    ASSERT_FALSE(latin1);
    EXPECT_NE(latin1.error().message.find("byte 5"), std::string::npos);
}

// Tricky token shapes, each minified by the real mitogen.minify in the same run;
// where the reference raises (case 5: untokenize refuses the reindented
// multi-line string), ours must fail too.
TEST(Minify, MatchesTheReferenceOnTrickySources) {
    const std::vector<std::string> sources = {
        "if a:\n\tx = 1 \\\n\t  + 2\n\ty = [1,\n  2]\n",
        "s = 'a\\\nb'\nt = rb'''x\n''' ; u = f\"{x!r}\"\n",
        "x = 0x_1f + 1_0.5e-3j + .5 + 1. + 0o17 + 0b1\nclass C:\n    '''doc'''\n    x = 1\n\n\n",
        "def f():\n    pass\n# trailing comment without newline",
        "x = 1\n    \n\n  # indented comment\ny = 'é'  # ünïcode\n",
        "def g():\n    return '''a\n    b'''\n\n\n\nz = g()",
        "if 1:\n    if 2:\n        '''nested doc'''\n    pass\n",
        "a = $b\n",
    };
    const std::string dir = ::testing::TempDir() + "/mitokit_minify_" + std::to_string(getpid());
    ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const std::string in = dir + "/in.py", out = dir + "/out.py";
        std::remove(out.c_str());
        std::ofstream(in, std::ios::binary) << sources[i];
        const std::string cmd = std::string(MITOKIT_PYTHON) +
                                " -c 'import sys, mitogen.minify as m; "
                                "open(sys.argv[2], \"wb\").write(m.minimize_source(open(sys.argv[1], \"rb\").read()).encode())' " +
                                in + " " + out;
        if (std::system((cmd + " 2>/dev/null").c_str()) != 0) {
            EXPECT_FALSE(minimize_source(sources[i])) << "the reference raised on case " << i;
            continue;
        }
        std::ifstream f(out, std::ios::binary);
        const std::string want((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        EXPECT_EQ(minified(sources[i]), want) << "case " << i << ":\n" << sources[i];
    }
    EXPECT_EQ(std::system(("rm -rf " + dir).c_str()), 0);
}

} // namespace
} // namespace mitokit::modules
