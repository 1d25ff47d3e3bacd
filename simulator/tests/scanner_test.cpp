#include "modules/scanner.hpp"
#include "modules/logical_lines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <tuple>

namespace mitokit::modules {
namespace {

using V = std::vector<std::string>;

// The module names of the imports found, in order.
V modules_of(const std::vector<ImportRef>& refs) {
    V names;
    for (const auto& i : refs) names.push_back(i.module);
    return names;
}

bool in_handler(const ImportRef& r) {
    return std::any_of(r.tries.begin(), r.tries.end(), [](const ImportRef::InTry& t) { return t.part == ImportRef::Part::handler; });
}

// The imports that run where every guarded import succeeds (none in an except clause).
std::vector<ImportRef> unless_failed(std::vector<ImportRef> refs) {
    std::erase_if(refs, in_handler);
    return refs;
}

TEST(Scanner, FindsPlainAndDottedImportsInOrder) {
    auto r = scan_imports("import os\nimport a.b.c as d, e\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0], (ImportRef{0, "os", {}}));
    EXPECT_EQ(r[1], (ImportRef{0, "a.b.c", {}}));
    EXPECT_EQ(r[2], (ImportRef{0, "e", {}}));
}

TEST(Scanner, FromImportsKeepFromlistAndLevel) {
    auto r = scan_imports("from a.b import (c as x,\n    d,\n)\nfrom . import y\nfrom ..m import *\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0], (ImportRef{0, "a.b", V{"c", "d"}}));
    EXPECT_EQ(r[1], (ImportRef{1, "", V{"y"}}));
    EXPECT_EQ(r[2], (ImportRef{2, "m", V{"*"}}));
}

TEST(Scanner, SkipsFunctionAndClassBodiesButNotModuleLevelBlocks) {
    const char* src =
        "def f():\n"
        "    import inside_def\n"
        "class C(object):\n"
        "    import inside_class\n"
        "    def m(self): import deeper\n"
        "try:\n"
        "    import in_try\n"
        "except ImportError:\n"
        "    from fallback import thing\n"
        "if sys.version_info > (3,):\n"
        "    import in_if\n"
        "else: import in_else\n"
        "async def g(): import inside_async\n"
        "@decorator\n"
        "def h(\n"
        "   a=1):\n"
        "    import inside_decorated\n"
        "with ctx:\n"
        "    import in_with\n"
        "for x in y: import in_for\n"
        "import after\n";
    auto r = scan_imports(src);
    EXPECT_EQ(modules_of(r), (V{"in_try", "fallback", "in_if", "in_else", "in_with", "in_for", "after"}));
}

TEST(Scanner, DropsBlocksTheCompilerRemoves) {
    const char* src =
        "if 0:\n    import dead1\n"
        "if False:\n    import dead2\nelse:\n    import live1\n"
        "if True:\n    import live2\nelse:\n    import dead3\n"
        "if not __debug__:\n    import dead4\n"
        "if TYPE_CHECKING:\n    import live3\n";
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"live1", "live2", "live3"}));
}

// Of a module's version branches only the one the master's Python (3.11.2) runs imports anything
// while the module loads; mitogen's bytecode scan still sees every branch.
TEST(Scanner, ExecutedImportsFollowTheMastersPythonVersion) {
    const char* src =
        "if sys.version_info >= (3, 10):\n    from zipfile import Path\nelse:\n    from ..zipp import Path\n"
        "if sys.version_info < (3, 8):\n    import old38\nelif sys.version_info[:2] == (3, 11):\n    import is311\n"
        "else:\n    import other\n"
        "if sys.version_info[0] == 2:\n    import py2\n"
        "if not sys.version_info.minor > 11:\n    import upto311\n"
        "if sys.version_info == (3, 11):\n    import never_equal_whole\n"
        "if sys.version_info > (3, 11, 2):\n    import after3112\n"
        "if sys.version_info >= (3,):\n    import py3\n"
        "if sys.version_info >= (3):\n    import int_compare_raises\n"
        "if sys.version_info >= (3, 10) and x:\n    import unknown_taken\n"
        "if sys.version_info != (3, 11, 2):\n    import whole_longer\n";
    EXPECT_EQ(modules_of(scan_executed_imports(src)), (V{"zipfile", "is311", "upto311", "after3112", "py3", "int_compare_raises", "unknown_taken",
                        "whole_longer"}));
    EXPECT_EQ(modules_of(scan_imports(src)).size(), 13u) << "mitogen's own scan keeps every branch";
}

// An imported module's __name__ is never "__main__"; a name set once to a constant keeps it.
TEST(Scanner, ExecutedImportsSkipMainGuardsAndBranchesOnConstantNames) {
    const char* src =
        "if __name__ == \"__main__\":\n    from .__main__ import card\n"
        "if '__main__' != __name__: import not_main\n"
        "tornado = None\n"
        "FAST = True\n"
        "if tornado:\n    from .tornadoweb import T\n"
        "if not tornado:\n    import no_tornado\n"
        "if not getattr(ssl, \"HAS_SNI\", False):\n    from urllib3.contrib import pyopenssl\n"
        "if ssl.HAS_SNI: import sni\n"
        "if getattr(ssl, 'HAS_NPN', False): import npn_unknown\n"
        "if not hasattr(pkgutil, 'find_loader'):\n    from mitogen.compat import pkgutil\n"
        "if hasattr(sys, \"pypy_version_info\"):\n    import pypy_only\nelse:\n    import cpython\n"
        "if not getattr(sys, 'frozen', False): import not_frozen\n"
        "if getattr(sys, 'frozen', x): import frozen_default_unknown\n"
        "if sys.frozen: import frozen_raises_unknown\n"
        "NO_EXT = bool(os.environ.get(\"YARL_NO_EXTENSIONS\"))\n"
        "if sys.implementation.name != \"cpython\":\n    NO_EXT = True\n"
        "if not NO_EXT:\n    from ._quoting_c import Q\nelse:\n    from ._quoting_py import Q\n"
        "if sys.implementation.name in ('pypy',): import pypy_impl\n"
        "if not bool(sys.platform == 'linux'): import not_linux\n"
        "if str is not bytes:\n    import py3_types\nelse:\n    import py2_types\n"
        "PY34_PLUS = sys.version_info[0:2] >= (3, 4)\nif not PY34_PLUS: import before_34\n"
        "if sys.version_info[0:2] < (3, 4): import before_34_inline\n"
        "if sys.version_info[1:2] < (3, 4): import slice_unknown\n"
        "if not (bytes == str): import py3_eq\n"
        "optional_ok = not os.environ.get(\"PATSY_AVOID_OPTIONAL_DEPENDENCIES\")\n"
        "if optional_ok and hasattr(collections, \"OrderedDict\"):\n    import odict\nelse:\n    import py26_odict\n"
        "PY2 = sys.version_info[0] == 2\nif PY2:\n    import py2_only\n"
        "_mswindows = (sys.platform == \"win32\")\nif _mswindows:\n    import _winapi\nif not _mswindows:\n    import posix_only\n"
        "try:\n    import msvcrt\nexcept ModuleNotFoundError:\n    _win = False\nelse:\n    _win = True\n"
        "if _win:\n    import _winapi\n"
        "if FAST:\n    import fast\nelse:\n    import slow\n"
        "twice = None\ntwice = load()\nif twice:\n    import twice_unknown\n"
        "rebound = False\ndef f():\n    global rebound\n    rebound = True\nif rebound:\n    import rebound_unknown\n"
        "if later:\n    import later_unknown\nlater = None\n"
        "imported = None\ntry:\n    import imported\nexcept ImportError:\n    pass\nif imported:\n    import imported_unknown\n";
    EXPECT_EQ(modules_of(scan_executed_imports(src)),
              (V{"not_main", "no_tornado", "sni", "npn_unknown", "cpython", "not_frozen", "frozen_default_unknown",
                 "frozen_raises_unknown", "_quoting_c", "py3_types", "slice_unknown", "py3_eq", "odict", "posix_only", "msvcrt", "fast", "twice_unknown",
                 "rebound_unknown", "later_unknown", "imported", "imported_unknown"}));
}

// kombu: `STATICA_HACK = True`, then `globals()['kcah_acitats'[::-1].upper()] = False`,
// then `if STATICA_HACK:` imports for static analyzers only. A module that binds names
// through its namespace has no names the scanner can take as constant; a comparison
// `globals()[k] == v` binds nothing.
TEST(Scanner, ExecutedImportsTrustNoConstantOfAModuleThatBindsThroughGlobals) {
    const char* hack = "STATICA_HACK = True\nglobals()['kcah_acitats'[::-1].upper()] = False\n"
                       "if STATICA_HACK:\n    from kombu.common import eventloop\nif not STATICA_HACK:\n    import other\n";
    EXPECT_EQ(modules_of(scan_executed_imports(hack)), (V{"kombu.common", "other"}));
    const char* update = "FAST = True\nglobals().update(load())\nif not FAST:\n    import slow\n";
    EXPECT_EQ(modules_of(scan_executed_imports(update)), (V{"slow"}));
    const char* compare = "FAST = True\nif globals()['x'] == 1: pass\nif not FAST:\n    import slow\n";
    EXPECT_EQ(modules_of(scan_executed_imports(compare)), (V{}));
}

TEST(Scanner, ExecutedImportsLeaveOutTypeCheckingAndExceptBodies) {
    const char* src =
        "try:\n    from ._speedups import escape\nexcept ImportError:\n    from ._native import escape\n"
        "except_ = 1\n"
        "if t.TYPE_CHECKING:\n    import typing_extensions as te\n    from .ext import Extension\nelse:\n    import at_run_time\n"
        "if TYPE_CHECKING: import inline_hint\n"
        "if typing.TYPE_CHECKING or x:\n    import maybe\n"
        "try: import a\nexcept (ImportError, OSError): import b\nfinally:\n    import c\n"
        "import after\n";
    const auto refs = scan_executed_imports(src);
    EXPECT_EQ(modules_of(unless_failed(refs)), (V{"_speedups", "at_run_time", "maybe", "a", "c", "after"}));
    std::vector<ImportRef> fallbacks;
    std::copy_if(refs.begin(), refs.end(), std::back_inserter(fallbacks), in_handler);
    EXPECT_EQ(modules_of(fallbacks), (V{"_native", "b"})) << "they run only where the guarded import fails";
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"_speedups", "_native", "typing_extensions", "ext", "at_run_time", "inline_hint", "maybe", "a", "b",
                        "c", "c", "after"}))
        << "mitogen's own scan keeps them all (a finally clause is compiled twice)";
}

TEST(Scanner, ExecutedImportsKnowWhenAFailureWouldPropagate) {
    const char* src =
        "try:\n    import socks\nexcept ImportError:\n    import warnings\n    warnings.warn('x')\n    raise\n"
        "try:\n    import swallowed\nexcept ImportError:\n    if x:\n        raise\n    y = None\n"
        "try:\n    import outer_catches\n    try:\n        import inner_raises\n    except ImportError: raise\nexcept Exception:\n    pass\n"
        "try:\n    import only_finally\nfinally:\n    done = 1\n"
        "try:\n    import two_handlers\nexcept KeyError:\n    raise\nexcept ImportError:\n    pass\n"
        "try: import inline_raise\nexcept ImportError: raise\n"
        "try:\n    import in_body\nexcept ImportError:\n    raise\nelse:\n    import in_else\n"
        "if py3k:\n    import py3\nelse:\n    try:\n        import py2_mock\n    except ImportError:\n        raise\n"
        "try:\n    if x:\n        import maybe_runs\nexcept ImportError:\n    raise\n"
        "import top_level\n";
    std::vector<std::pair<std::string, bool>> got;
    for (const auto& i : unless_failed(scan_executed_imports(src))) got.emplace_back(i.module, i.reraised);
    const std::vector<std::pair<std::string, bool>> want = {
        {"socks", true},          {"swallowed", false},  {"outer_catches", false}, {"inner_raises", false},
        {"only_finally", true},   {"two_handlers", false}, {"inline_raise", true}, {"in_body", true},
        {"in_else", false},       {"py3", false},          {"py2_mock", false},     {"maybe_runs", false},
        {"top_level", false}};
    EXPECT_EQ(got, want);
    for (const auto& i : scan_imports(src)) EXPECT_FALSE(i.reraised) << i.module << ": only the executed scan says";
}

TEST(Scanner, ExecutedImportsKnowTheMastersPlatform) {
    // babel.localtime imports its _win32 module only where sys.platform is win32; the
    // master runs on Linux (sys.platform "linux", os.name "posix").
    const char* src =
        "if sys.platform == 'win32':\n    import win_eq\nelse:\n    import unix_else\n"
        "if sys.platform != \"win32\": import not_win\n"
        "if 'linux' == sys.platform: import linux_rev\n"
        "if sys.platform.startswith('linux'): import starts\n"
        "if sys.platform.startswith(('win', 'cygwin')): import starts_win\n"
        "if sys.platform in ('darwin', 'win32'): import in_tuple\n"
        "if sys.platform not in ['darwin']: import not_in_list\n"
        "if os.name == 'nt':\n    import nt\nelif os.name == 'posix':\n    import posix_elif\n"
        "if not sys.platform == 'win32': import not_eq\n"
        "if sys.platform == 'win32' and x: import and_false\n"
        "if sys.platform == 'linux' or x: import or_true\n"
        "if x or sys.platform == 'win32': import or_unknown\n"
        "if not (os.name == 'nt' or sys.platform == 'darwin'): import not_parens\n"
        "if (sys.platform == 'win32'): import parens\n"
        "if sys.platform == r'win32': import prefixed_unknown\n";
    EXPECT_EQ(modules_of(scan_executed_imports(src)), (V{"unix_else", "not_win", "linux_rev", "starts", "not_in_list", "posix_elif",
                        "not_eq", "or_true", "or_unknown", "not_parens", "prefixed_unknown"}));
    EXPECT_EQ(scan_imports(src).size(), 17u) << "mitogen's own scan keeps them all";
}

// netaddr.strategy.ipv4 tests `_sys.platform` after `import sys as _sys`; others
// `from sys import version_info`. A name bound again is unknown, and so is one bound later.
TEST(Scanner, ExecutedImportsFollowTopLevelAliasesOfWhatTheyTest) {
    const char* src =
        "import sys as _sys, os as _os\n"
        "from sys import version_info, platform as plat\n"
        "if _sys.platform in ('win32', 'cygwin'):\n    import win_alias\nelse:\n    import unix_alias\n"
        "if _os.name == 'nt': import nt_alias\n"
        "if version_info >= (3, 8): import new_py\nelse:\n    import old_py\n"
        "if plat == 'win32': import plat_win\n"
        "_win = _sys.platform == 'win32'\nif _win: import const_through_alias\n"
        "if x._sys.platform == 'win32': import attribute_unknown\n"
        "if later.platform == 'win32': import later_unknown\n"
        "import sys as later\n"
        "import sys as twice\ntwice = load()\nif twice.platform == 'win32': import twice_unknown\n";
    EXPECT_EQ(modules_of(scan_executed_imports(src)),
              (V{"sys", "os", "sys", "unix_alias", "new_py", "attribute_unknown", "later_unknown", "sys", "sys",
                 "twice_unknown"}));
}

// matplotlib's __init__ calls `_check_versions()`, whose body imports ft2font;
// openpyxl sets `LXML = lxml_available() and ...`. A call at the module's top level of
// a function it defined there runs the body's imports, as ones that may not run;
// a second call adds nothing.
TEST(Scanner, ExecutedImportsRunTheBodiesOfFunctionsCalledAtTopLevel) {
    const char* src =
        "def probe():\n    try:\n        from lxml.etree import LXML_VERSION\n    except ImportError:\n        return False\n"
        "    return True\n"
        "def never():\n    import never_called\n"
        "def check():\n    from . import ft2font\n    import missing_mod\n    if path:\n        import debug_only\n"
        "    for m in mods:\n        import in_loop\n    if sys.platform == 'linux':\n        import linux_only\n"
        "import before\n"
        "LXML = probe() and other()\n"
        "x.never()\n"
        "T = make('T', namespace={'a': lambda self: never(self), 'b': 1})\n"
        "check()\n"
        "if cond:\n    never()\n"
        "check()\n"
        "import after\n";
    const auto refs = scan_executed_imports(src);
    EXPECT_EQ(modules_of(refs), (V{"before", "lxml.etree", "", "missing_mod", "linux_only", "after"}));
    for (const auto& r : refs) {
        const bool replayed = r.module != "before" && r.module != "after";
        EXPECT_EQ(r.unguarded, !replayed) << r.module;
        EXPECT_EQ(r.in_function, replayed) << r.module;
        EXPECT_TRUE(!replayed || r.binds.empty()) << r.module << ": a local name, not the module's";
    }
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"before", "after"})) << "mitogen's own scan reads no function body";
}

TEST(Scanner, ExecutedImportsTakeTestedEnvironmentVariablesAsUnset) {
    // msgpack: `if os.environ.get("MSGPACK_PUREPYTHON") or sys.version_info[0] == 2:` imports
    // the pure-Python fallback; the master's environment does not set the variable.
    const char* src =
        "if os.environ.get(\"MSGPACK_PUREPYTHON\") or sys.version_info[0] == 2:\n    import fallback\nelse:\n    import fast\n"
        "if os.getenv('X_DEBUG'): import getenv_set\n"
        "if not os.environ.get('X', None): import get_default_none\n"
        "if os.environ.get('X', 'yes'): import true_default_unknown\n"
        "if 'X_FLAG' in os.environ: import in_environ\n"
        "if 'X_FLAG' not in os.environ: import not_in_environ\n"
        "if os.environ.get('HOME'): import home_unknown\n"
        "if os.environ.get(name): import variable_unknown\n";
    EXPECT_EQ(modules_of(scan_executed_imports(src)),
              (V{"fast", "get_default_none", "true_default_unknown", "not_in_environ", "home_unknown", "variable_unknown"}));
}

TEST(Scanner, ExecutedImportsKnowWhichRunWheneverTheModuleDoes) {
    // An import that surely runs (not in a try body, nor under a loop, a with statement
    // (whose context manager may swallow the error, as contextlib.suppress does) or a
    // condition the scanner cannot tell) fails the module when it fails: bs4.tests'
    // `import pytest`.
    const char* src =
        "import top\n"
        "if x:\n    import cond\nelif sys.platform == 'linux':\n    import elif_after_unknown\nelse:\n    import dead_else\n"
        "if x:\n    import cond2\nelse:\n    import else_unknown\n"
        "if sys.platform == 'win32':\n    import dead\nelif os.name == 'posix':\n    import elif_sure\n"
        "if sys.version_info < (3,):\n    import py2\nelse:\n    import else_sure\n    if y:\n        import nested_cond\n"
        "    import after_nested\n"
        "for i in x:\n    import in_loop\nelse:\n    import loop_else\n"
        "while z:\n    import in_while\n"
        "with ctx:\n    import in_with\n"
        "try:\n    import in_try\nexcept ImportError:\n    pass\nelse:\n    import try_else\nfinally:\n    import in_finally\n"
        "if x: import inline_cond\n"
        "with ctx: import inline_with\n"
        "def f():\n    import in_def\n"
        "import last\n";
    std::vector<std::pair<std::string, bool>> got;
    for (const auto& i : scan_executed_imports(src)) got.emplace_back(i.module, i.unguarded);
    const std::vector<std::pair<std::string, bool>> want = {
        {"top", true},        {"cond", false},         {"elif_after_unknown", false}, {"cond2", false}, {"else_unknown", false},
        {"elif_sure", true},  {"else_sure", true},     {"nested_cond", false},        {"after_nested", true},
        {"in_loop", false},   {"loop_else", false},    {"in_while", false},           {"in_with", false},
        {"in_try", false},    {"try_else", true},      {"in_finally", true},          {"inline_cond", false},
        {"inline_with", false}, {"last", true}};
    EXPECT_EQ(got, want);
    for (const auto& i : scan_imports(src)) EXPECT_FALSE(i.unguarded) << i.module << ": only the executed scan says";
}

TEST(Scanner, ExecutedImportsSayWhichTryPartTheyAreIn) {
    // bs4.dammit: each fallback is in the handler of the try before it; a clause that
    // catches no ImportError (or comes after the one that does) never runs for one.
    const char* src =
        "try:\n    import cchardet\nexcept ImportError:\n    try:\n        import chardet\n"
        "    except ImportError:\n        import charset_normalizer\nelse:\n    import fast\n"
        "try:\n    import a\nexcept KeyError:\n    import not_for_import_errors\nexcept (OSError, ImportError) as e:\n"
        "    import second_clause\nexcept Exception:\n    import later_clause\nfinally:\n    import always\n"
        "try: import b\nexcept: import bare\n";
    using P = ImportRef::Part;
    using T = std::vector<ImportRef::InTry>;
    std::vector<std::pair<std::string, T>> got;
    for (const auto& i : scan_executed_imports(src)) got.emplace_back(i.module, i.tries);
    const std::vector<std::pair<std::string, T>> want = {
        {"cchardet", T{{0, P::body, true}}},
        {"chardet", T{{0, P::handler, true}, {1, P::body, true}}},
        {"charset_normalizer", T{{0, P::handler, true}, {1, P::handler, true}}},
        {"fast", T{{0, P::orelse, true}}},
        {"a", T{{2, P::body, true}}},
        {"second_clause", T{{2, P::handler, true}}},
        {"always", T{}},
        {"b", T{{3, P::body, true}}},
        {"bare", T{{3, P::handler, true}}}};
    EXPECT_EQ(got, want);
    // Every handler above swallows the error; one that re-raises hands it to the
    // try around it.
    const auto reraising = scan_executed_imports("try:\n    try:\n        import inner\n    except ImportError:\n        raise\n"
                                                  "except ImportError:\n    import outer_fallback\n");
    ASSERT_EQ(reraising.size(), 2u);
    EXPECT_EQ(reraising[0].tries, (T{{0, P::body, true}, {1, P::body, false}}));
}

// A class body runs while the module loads; a function body does not. Only the
// executed scan reads class bodies: mitogen's scan sees module-level code only.
TEST(Scanner, ExecutedImportsIncludeClassBodies) {
    const char* src =
        "class _WindowsFlavour(_Flavour):\n    import ntpath\n    def f(self):\n        import in_method\n"
        "    class Inner:\n        import nested\n    if sys.platform == 'win32':\n        import win_only\n"
        "class One: import inline_class\n"
        "import after\n";
    std::vector<std::pair<std::string, bool>> got;
    for (const auto& i : scan_executed_imports(src)) got.emplace_back(i.module, i.in_class);
    EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"ntpath", true}, {"nested", true}, {"inline_class", true}, {"after", false}}));
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"after"}));
}

// mitogen's scan reads one byte of argument and ignores EXTENDED_ARG: an import
// whose module name has index 256 or more in the module code's names table is
// invisible to it, unless the name was entered earlier at a lower index.
TEST(Scanner, LeavesOutImportsPastTheNamesTablesFirst256Entries) {
    std::string src = "import a\n"; // "a": index 0
    for (int i = 1; i < 255; ++i) src += "n" + std::to_string(i) + " = 0\n";
    src += "import at255\nimport at256\nfrom a import b\nimport c.d as e\n";
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"a", "at255", "a"}));
    EXPECT_EQ(modules_of(scan_imports(src, false)), (V{"a", "at255", "at256", "a", "c.d"}));
    // Names the compiler enters without bytecode for them count too (a dead branch),
    // those of function bodies do not.
    std::string dead = "if 0:\n    import x0\n";
    for (int i = 1; i < 256; ++i) dead += "    x" + std::to_string(i) + " = 0\n";
    EXPECT_EQ(modules_of(scan_imports(dead + "import y\n")), V{});
    std::string body = "def f():\n";
    for (int i = 0; i < 300; ++i) body += "    x" + std::to_string(i) + " = 0\n";
    EXPECT_EQ(modules_of(scan_imports(body + "import y\n")), V{"y"});
}

// SWIG's modules choose between a relative and an absolute import by their own
// __package__ and __name__.
TEST(Scanner, ExecutedImportsKnowTheModulesOwnPackageAndName) {
    const char* src = "if __package__ or \".\" in __name__:\n    from . import _low\nelse:\n    import _low\n"
                      "if not __package__:\n    import top_level_only\n";
    const auto run = [&](const ModuleFacts* m) {
        V out;
        for (const auto& r : scan_executed_imports(src, m)) out.push_back(std::to_string(r.level) + r.module);
        return out;
    };
    const ModuleFacts package{"selinux", "selinux"}, submodule{"pkg.mod", "pkg"}, top{"mod", ""};
    EXPECT_EQ(run(&package), (V{"1"}));
    EXPECT_EQ(run(&submodule), (V{"1"}));
    EXPECT_EQ(run(&top), (V{"0_low", "0top_level_only"}));
    EXPECT_EQ(run(nullptr), (V{"1", "0_low", "0top_level_only"})) << "unknown: every branch may run";
}

// A name an import binds in a try body, and None where it fails, is true exactly
// where the import worked (ansible's compat shims for distro and selectors).
TEST(Scanner, ExecutedImportsFollowTestsOfANameAnImportBound) {
    const char* src =
        "try:\n    import distro as _system_distro\nexcept ImportError:\n    _system_distro = None\n"
        "else:\n    if not hasattr(_system_distro, 'id'):\n        _system_distro = None\n"
        "if _system_distro:\n    import uses_system\nelse:\n    from pkg import _bundled as distro\n"
        "try:\n    import selectors as _sel\nexcept ImportError:\n    try:\n        import selectors2 as _sel\n"
        "    except ImportError:\n        _sel = None\n"
        "if not _sel: import bundled_selectors\n"
        "other = None\ntry:\n    import x as other\nexcept ImportError:\n    other = 1\nif other:\n    import not_modelled\n"
        "try:\n    from ssl import SSLContext\n    HAS_SSLCONTEXT = True\nexcept ImportError:\n    HAS_SSLCONTEXT = False\n"
        "if not HAS_SSLCONTEXT:\n    from urllib3.contrib.pyopenssl import PyOpenSSLContext\n";
    const auto refs = scan_executed_imports(src);
    const auto find = [&](std::string_view m) {
        return *std::find_if(refs.begin(), refs.end(), [&](const ImportRef& r) { return r.module == m; });
    };
    using P = ImportRef::Part;
    EXPECT_EQ(find("uses_system").tries, (std::vector<ImportRef::InTry>{{0, P::orelse, true}}));
    EXPECT_EQ(find("pkg").tries, (std::vector<ImportRef::InTry>{{0, P::handler, true}}));
    EXPECT_EQ(find("bundled_selectors").tries, (std::vector<ImportRef::InTry>{{1, P::handler, true}, {2, P::handler, true}}));
    EXPECT_TRUE(find("not_modelled").tries.empty()) << "bound to 1 where the import fails: not known";
    EXPECT_EQ(find("urllib3.contrib.pyopenssl").tries, (std::vector<ImportRef::InTry>{{4, P::handler, true}}));
    // Run: distro and selectors import; the bundled copies are not imported.
    TryFailures ok;
    EXPECT_TRUE(ok.runs(find("uses_system").tries));
    EXPECT_FALSE(ok.runs(find("pkg").tries));
    EXPECT_FALSE(ok.runs(find("bundled_selectors").tries));
    EXPECT_FALSE(ok.runs(find("urllib3.contrib.pyopenssl").tries));
    TryFailures failed;
    failed.raised(find("distro").tries, false);
    EXPECT_FALSE(failed.runs(find("uses_system").tries));
    EXPECT_TRUE(failed.runs(find("pkg").tries));
}

// What the executed scan says a module binds, for one that replaces itself in sys.modules.
TEST(Scanner, ExecutedScanReportsBindingsAndASelfReplacement) {
    const char* src = "import a.b\nimport c.d as e\nfrom . import f as g, h\nx = e\nsys.modules[__name__] = x\n"
                      "sys.modules['pkg.other'] = x\nsys.modules['pkg.mod'] = h\ny = None\nclass K:\n    z = x\n";
    const ModuleFacts facts{"pkg.mod", "pkg"};
    const auto refs = scan_executed_imports(src, &facts);
    using K = ImportRef::Kind;
    std::vector<std::tuple<K, std::string, V>> got;
    for (const auto& r : refs) got.emplace_back(r.kind, r.module, r.binds);
    EXPECT_EQ(got, (std::vector<std::tuple<K, std::string, V>>{{K::import, "a.b", {"a"}},
                                                               {K::import, "c.d", {"e"}},
                                                               {K::import, "", {"g", "h"}},
                                                               {K::assign, "e", {"x"}},
                                                               {K::replace_self, "x", {}},
                                                               {K::replace_self, "h", {}}}));
    for (const auto& r : scan_imports(src)) EXPECT_TRUE(r.binds.empty()) << "mitogen's scan reports imports only";
}

// mitogen's scan reads bytecode, where a try statement's else clause comes before
// its except clauses (the names table fills in that order too), and its finally
// clause is there twice (the normal and the exceptional exit).
TEST(Scanner, ReadsATryStatementsElseClauseBeforeItsExceptClauses) {
    const char* src =
        "try:\n    import a\nexcept ImportError:\n    import b\n"
        "    try:\n        import c\n    except ImportError:\n        import d\n    else:\n        import e\n"
        "except OSError:\n    import f\nelse:\n    import g\nfinally:\n    import h\nimport i\n"
        "try:\n    import j\nexcept ImportError:\n    import k\nimport l\n";
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"a", "g", "b", "c", "e", "d", "f", "h", "h", "i", "j", "k", "l"}));
    // The executed scan keeps the source order: either clause runs, never both.
    EXPECT_EQ(modules_of(scan_executed_imports(src)), (V{"a", "b", "c", "d", "e", "g", "h", "i", "j", "k", "l"}));
}

TEST(Scanner, IgnoresImportsInsideStringsAndComments) {
    const char* src =
        "'''\nimport not_code\n'''\n"
        "x = \"import nope\"  # import nope2\n"
        "s = r'\\'' ; import after_semicolon\n"
        "y = (1,\n  2); from z import w\n"
        "lam = lambda: 0\n"
        "d = {1: 2}\n"
        "import a \\\n  , b\n";
    EXPECT_EQ(modules_of(scan_imports(src)), (V{"after_semicolon", "z", "a", "b"}));
}

TEST(Scanner, BodyEndsAtDedentEvenAfterBlankLinesAndComments) {
    const char* src = "def f():\n    x = 1\n\n# comment at column 0\n    import still_inside\nimport outside\n";
    auto r = scan_imports(src);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].module, "outside");
}

TEST(Scanner, SurvivesGarbageWithoutInventingImports) {
    auto r = scan_imports("from import\nimport\nfrom . import\n)))\n'''unterminated\nimport x");
    EXPECT_TRUE(r.empty());
}

// CPython's tokenizer keeps at most 200 brackets open (MAX_BRACKET_NESTING); one more
// is a SyntaxError ("too many nested parentheses"), so the master cannot compile the
// module and its find_related_imports raises.
std::string nested(char open, char close, std::size_t levels) {
    return "x = " + std::string(levels, open) + "1" + std::string(levels, close) + "\n";
}

TEST(Scanner, AcceptsBracketsNestedAsDeepAsCPythonDoes) {
    for (const auto& [open, close] : {std::pair{'(', ')'}, std::pair{'[', ']'}, std::pair{'{', '}'}}) {
        const std::string src = "import a\n" + nested(open, close, MAX_BRACKET_NESTING) + "import b\n";
        const auto r = checked_scan_imports(src);
        ASSERT_TRUE(r) << open << ": " << r.error().message;
        EXPECT_EQ(modules_of(*r), (V{"a", "b"})) << open;
        EXPECT_EQ(modules_of(scan_executed_imports(src)), (V{"a", "b"})) << open;
    }
}

TEST(Scanner, RefusesBracketsNestedDeeperThanCPythonCompiles) {
    const std::string mixed = "x = " + std::string(100, '(') + std::string(100, '[') + "{1}" + std::string(100, ']') +
                              std::string(100, ')') + "\n";
    for (const std::string& body : {nested('(', ')', 201), nested('[', ']', 201), nested('{', '}', 201), mixed,
                                    "x = " + std::string(201, '(') + "\n"}) {
        const std::string src = "import a\n" + body + "import b\n";
        const auto r = checked_scan_imports(src);
        ASSERT_FALSE(r) << body.substr(0, 10);
        EXPECT_EQ(r.error().code, Errc::limit);
        EXPECT_NE(r.error().message.find("too many nested parentheses"), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().offset, 9u + 4u + 200u) << "the 201st bracket";
        EXPECT_FALSE(checked_scan_executed_imports(src));
        EXPECT_TRUE(scan_imports(src).empty()) << "a module that does not compile has no imports to scan";
        EXPECT_TRUE(scan_executed_imports(src).empty());
    }
}

TEST(Scanner, ReadsAMillionCharactersOfNestingOnce) {
    // Each bracket used to re-read the tokens it encloses: this took minutes.
    for (const std::string& body : {nested('(', ')', 500'000), nested('[', ']', 500'000), nested('{', '}', 500'000),
                                    "x = " + std::string(1'000'000, '(') + "\n"}) {
        const auto r = checked_scan_imports("import a\n" + body);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::limit);
        EXPECT_FALSE(checked_scan_executed_imports("import a\n" + body));
    }
    // At the limit (the innermost `[b]` is the 200th level), with a million characters inside.
    std::string wide = "import a\nx = " + std::string(MAX_BRACKET_NESTING - 1, '[');
    for (int i = 0; i < 250'000; ++i) wide += "[b],";
    wide += std::string(MAX_BRACKET_NESTING - 1, ']') + "\nimport c\n";
    const auto r = checked_scan_imports(wide);
    ASSERT_TRUE(r);
    EXPECT_EQ(modules_of(*r), (V{"a", "c"}));
}

TEST(Scanner, ImportedModuleResolvesRelativeImportsAgainstThePackage) {
    const auto ref = [](int level, std::string module) {
        ImportRef r;
        r.level = level;
        r.module = std::move(module);
        return r;
    };
    EXPECT_EQ(imported_module("", ref(0, "os.path")), "os.path");
    EXPECT_EQ(imported_module("pkg.sub", ref(0, "json")), "json");
    EXPECT_EQ(imported_module("pkg.sub", ref(1, "mod")), "pkg.sub.mod");
    EXPECT_EQ(imported_module("pkg.sub", ref(1, "")), "pkg.sub"); // from . import x
    EXPECT_EQ(imported_module("pkg.sub", ref(2, "other")), "pkg.other");
    EXPECT_EQ(imported_module("pkg.sub", ref(2, "")), "pkg");
    EXPECT_EQ(imported_module("pkg.sub", ref(3, "x")), "") << "above the top-level package";
    EXPECT_EQ(imported_module("", ref(1, "x")), "") << "a relative import outside any package";
}

} // namespace
} // namespace mitokit::modules
