#include "modules/memory_source.hpp"
#include "modules/planner.hpp"

#include <gtest/gtest.h>

namespace mitokit::modules {
namespace {

using V = std::vector<std::string>;

// The layout behind protocol-notes §5.1's verified sequences.
MemorySource mypkg() {
    MemorySource s;
    s.add("mypkg", "from mypkg import util\nfrom . import sub\n", true);
    s.add("mypkg.util", "import os\n");
    s.add("mypkg.sub", "import other\nfrom mypkg.deep import thing\n");
    s.add("mypkg.deep", "", true);
    s.add("mypkg.deep.thing", "X = 1\n");
    s.add("other", "X = 2\n");
    s.add("os", "", false, /*stdlib=*/true);
    return s;
}

V names(const std::vector<std::shared_ptr<const ModuleTuple>>& v) {
    V out;
    for (const auto& t : v) out.push_back(t->fullname);
    return out;
}

TEST(Planner, RelatedOfPackageSkipsRelativeFromDotQuirkAndStdlib) {
    auto src = mypkg();
    Planner p(src, src);
    // `from . import sub` yields "mypkg." and "mypkg..sub": dropped by the loaded filter.
    EXPECT_EQ(*p.related_imports("mypkg"), (V{"mypkg", "mypkg.util"}));
    EXPECT_EQ(*p.related("mypkg"), (V{"mypkg.util"})) << "the closure drops the module itself";
    EXPECT_EQ(*p.related_imports("mypkg.sub"), (V{"mypkg", "mypkg.deep", "mypkg.deep.thing", "other"}));
}

TEST(Planner, AModuleThatSetsPathResolvesItsRelativeImportsAsAPackage) {
    // lark.load_grammar sets `__path__ = os.path.dirname(__file__)`: once it is loaded,
    // resolve_relpath sees the attribute and resolves `from .utils import x` against
    // "lark.load_grammar.", so none of its relative imports is related. Not loaded, or
    // setting it only in a function, it resolves against its package as usual.
    MemorySource s;
    s.add("lk", "", true, false, true);
    s.add("lk.utils", "", false, false, true);
    s.add("lk.grammar", "import os\n__path__ = os.path.dirname(__file__)\nfrom .utils import x\n", false, false, true);
    s.add("lk.unloaded", "__path__ = 'x'\nfrom .utils import x\n", false, false, false);
    s.add("lk.infunc", "def f():\n    __path__ = 'x'\nfrom .utils import x\n", false, false, true);
    s.add("os", "", false, /*stdlib=*/true, true);
    Planner p(s, s);
    EXPECT_EQ(*p.related_imports("lk.grammar"), (V{"lk"}));
    EXPECT_EQ(*p.related_imports("lk.unloaded"), (V{"lk", "lk.utils"}));
    EXPECT_EQ(*p.related_imports("lk.infunc"), (V{"lk", "lk.utils"}));
}

TEST(Planner, AModuleNestedDeeperThanCPythonCompilesIsRefusedAsTheReferenceDoes) {
    // The real master's compile() raises SyntaxError ("too many nested parentheses")
    // in find_related_imports: each request is answered negatively and not recorded
    // as sent; a module nested 200 deep is served. Importing one fails.
    auto nest = [](std::size_t n) { return "import other\nx = " + std::string(n, '(') + "1" + std::string(n, ')') + "\n"; };
    MemorySource s;
    s.add("deep", nest(201));
    s.add("ok", nest(200));
    s.add("other", "X = 2\n");
    s.add("user", "import deep\n");
    Planner p(s, s);
    std::set<std::string> sent;
    for (int i = 0; i < 2; ++i) {
        const auto out = p.plan("deep", sent);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_TRUE(out[0]->negative());
        EXPECT_FALSE(sent.count("deep")) << "a failed request is not recorded";
    }
    EXPECT_FALSE(p.related_imports("deep"));
    const auto ok = p.plan("ok", sent);
    ASSERT_EQ(names(ok), (V{"ok"})) << "other is related, but no top-level package of it was sent";
    EXPECT_EQ(ok[0]->related, (V{"other"}));
    MemorySource empty_loaded;
    Planner master(s, empty_loaded);
    EXPECT_FALSE(master.import_into_master("user")) << "importing deep raises";
    EXPECT_TRUE(master.import_into_master("ok"));
}

TEST(Planner, ReproducesVerifiedSendSequences) {
    auto src = mypkg();
    Planner p(src, src);
    auto sent = Planner::initial_sent_modules();
    EXPECT_EQ(names(p.plan("mypkg", sent)), (V{"mypkg.util", "mypkg"}));
    // `other` is skipped: its top-level name was never sent on this stream.
    EXPECT_EQ(names(p.plan("mypkg.sub", sent)), (V{"mypkg.deep", "mypkg.deep.thing", "mypkg.sub"}));
    EXPECT_EQ(names(p.plan("other", sent)), (V{"other"}));
    EXPECT_TRUE(p.plan("other", sent).empty()) << "a duplicate request is answered with nothing";
}

TEST(Planner, TupleFieldsForPackageModuleAndNegative) {
    auto src = mypkg();
    Planner p(src, src);
    auto pkg = p.tuple("mypkg");
    ASSERT_TRUE(pkg->pkg_present);
    EXPECT_EQ(*pkg->pkg_present, (V{"deep", "sub", "util"}));
    EXPECT_EQ(*pkg->path, "/virtual/mypkg/__init__.py");
    auto mod = p.tuple("mypkg.util");
    EXPECT_FALSE(mod->pkg_present);
    EXPECT_EQ(*mod->source, "import os\n");
    auto std = p.tuple("os");
    EXPECT_TRUE(std->negative()) << "stdlib is refused";
    EXPECT_EQ(p.tuple("mypkg"), pkg) << "tuples are cached";
    auto missing = p.tuple("nosuchmod");
    EXPECT_TRUE(missing->negative());
    EXPECT_TRUE(missing->related.empty());
}

TEST(Planner, NegativeAnswersAreMarkedSentExceptBlacklisted) {
    auto src = mypkg();
    PlannerOptions opt;
    opt.blacklist = {"oth"};
    Planner p(src, src, opt);
    auto sent = Planner::initial_sent_modules();
    EXPECT_EQ(names(p.plan("nosuchmod", sent)), (V{"nosuchmod"}));
    EXPECT_TRUE(sent.count("nosuchmod"));
    auto b = p.plan("other", sent);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(b[0]->negative());
    EXPECT_FALSE(sent.count("other")) << "blacklisted answers are not recorded as sent";
    EXPECT_EQ(p.plan("other", sent).size(), 1u) << "so a repeat is answered again";
}

TEST(Planner, RelatedClosureIsTransitiveAndExcludesSelf) {
    MemorySource s;
    s.add("a", "import b\n");
    s.add("b", "import c\nimport a\n");
    s.add("c", "import d\n");
    s.add("d", "");
    s.add("e", "");
    Planner p(s, s);
    EXPECT_EQ(*p.related("a"), (V{"b", "c", "d"}));
    auto t = p.tuple("a");
    EXPECT_EQ(t->related, (V{"b", "c", "d"}));
}

TEST(Planner, UnloadedNamesAreNotRelated) {
    MemorySource s;
    s.add("a", "import b\nimport c\nfrom d import e\n");
    s.add("b", "", false, false, /*loaded=*/false);
    s.add("c", "");
    s.add("d", "", true);
    s.add("d.e", "");
    Planner p(s, s);
    EXPECT_EQ(*p.related_imports("a"), (V{"c", "d", "d.e"}));
}

TEST(Planner, AnsweringADottedNameImportsItsParentsIntoTheMaster) {
    // The reference finds sources with pkgutil.find_loader, which imports the parent
    // packages of a dotted name (even when the name itself is then not found), so
    // they are in sys.modules when related modules are computed (ply.yacc -> ply).
    MemorySource s;
    s.add("ply", "__version__ = '3.11'\n", true, false, /*loaded=*/false);
    s.add("ply.yacc", "import re\n", false, false, false);
    s.add("a", "", true, false, false);
    s.add("a.b", "", true, false, false);
    s.add("a.b.c", "X = 1\n", false, false, false);
    s.add("q", "", true, false, false);
    s.add("r", "import q\n", false, false, false);
    Planner p(s, s);
    auto sent = Planner::initial_sent_modules();
    EXPECT_EQ(names(p.plan("ply", sent)), (V{"ply"}));
    EXPECT_TRUE(p.tuple("ply")->related.empty()) << "a top-level name imports nothing";
    auto yacc = p.plan("ply.yacc", sent);
    ASSERT_EQ(yacc.size(), 1u);
    EXPECT_EQ(yacc[0]->related, (V{"ply"}));
    EXPECT_EQ(p.tuple("a.b.c")->related, (V{"a", "a.b"}));
    EXPECT_TRUE(p.tuple("q.nosuch")->negative());
    EXPECT_EQ(p.tuple("r")->related, (V{"q"})) << "the failed lookup of q.nosuch still imported q";
}

TEST(Planner, ImportingAParentRunsItsModuleLevelImports) {
    // Requesting jinja2.filters from a master that never imported jinja2 imports the
    // package, whose __init__ imports most of jinja2: all of it is related then.
    MemorySource s;
    s.add("jj", "from .env import E\nfrom . import filters\nimport jj.util as u\ntry:\n    from ._speed import x\nexcept ImportError:\n    from .other import x\nif t.TYPE_CHECKING:\n    from .hints import H\n", true, false, false);
    s.add("jj.env", "E = 1\nfrom .util import y\ntry:\n    from ..outside import z\nexcept ImportError:\n    z = None\n", false, false, false);
    s.add("jj.filters", "import os\n", false, false, false);
    s.add("jj.util", "y = 1\n", false, false, false);
    s.add("jj.other", "x = 1\n", false, false, false); // imported because jj._speed is missing
    s.add("jj.hints", "", false, false, false);
    s.add("os", "", false, /*stdlib=*/true, false);
    Planner p(s, s);
    EXPECT_EQ(p.tuple("jj.filters")->related, (V{"jj", "jj.env", "jj.other", "jj.util"}));
}

TEST(Planner, AFromImportOfANameThePackageBindsImportsNoSubmodule) {
    // numba's __init__ binds `types` (import numba.core.types as types): `from numba
    // import types` elsewhere takes that attribute, and numba/types/ is never imported.
    // A package still running its own code has not bound its later names yet.
    MemorySource s;
    s.add("nb", "import nb.core.types as types\nfrom . import early\nlate = None\n", true, false, false);
    s.add("nb.core", "", true, false, false);
    s.add("nb.core.types", "", false, false, false);
    s.add("nb.types", "", true, false, false);
    s.add("nb.early", "from nb import late\n", false, false, false);
    s.add("nb.late", "", false, false, false);
    s.add("nb.sub", "from nb import types\n", true, false, false);
    s.add("nb.sub.leaf", "", false, false, false);
    s.add("nb.user", "from nb import types, late\n", false, false, false);
    Planner p(s, s);
    // Serving nb.sub.leaf imports nb, whose code runs to its end, then nb.sub.
    EXPECT_FALSE(p.tuple("nb.sub.leaf")->negative());
    EXPECT_EQ(p.tuple("nb.user")->related, (V{"nb", "nb.core", "nb.core.types", "nb.late"}))
        << "nb.early's import of `late` ran before nb bound it, so it imported the submodule; "
           "nb.types is not loaded: `from nb import types` took nb's attribute";
}

TEST(Planner, ANameImportedFromAnotherModuleDecidesABranchWhereThatModuleBindsItOnce) {
    // numba: `from numba.core.config import PYVERSION` (there `PYVERSION =
    // sys.version_info[:2]`), then `if PYVERSION < (3, 9): import importlib_metadata`;
    // six's `PY2 = sys.version_info[0] == 2`, imported under another name. A name its
    // module binds twice stays unknown (the branch is taken as run), and modules that
    // import from each other in a cycle are read without end.
    MemorySource s;
    s.add("nb",
          "from nb.config import PYVERSION\nfrom .compat import PY2 as py2, PY3\nfrom nb.twice import V\n"
          "from nb.cyc_a import A\n"
          "if PYVERSION < (3, 9):\n    import backport\nelse:\n    import modern\n"
          "if py2:\n    import old\nif PY3:\n    import new\nif V < (3, 9):\n    import unknown_taken\n"
          "if A:\n    import cyclic\n",
          true, false, false);
    s.add("nb.config", "import sys\nPYVERSION = sys.version_info[:2]\n", false, false, false);
    s.add("nb.compat", "import sys\nPY2 = sys.version_info[0] == 2\nPY3 = sys.version_info[0] == 3\n", false, false, false);
    s.add("nb.twice", "import sys\nV = sys.version_info[:2]\nV = (2, 7)\n", false, false, false);
    s.add("nb.cyc_a", "from nb.cyc_b import B\nA = B\n", false, false, false);
    s.add("nb.cyc_b", "from nb.cyc_a import A\nB = True\n", false, false, false);
    for (const char* m : {"backport", "modern", "old", "new", "unknown_taken", "cyclic"}) s.add(m, "", false, false, false);
    s.add("nb.leaf", "", false, false, false);
    s.add("sys", "", false, /*stdlib=*/true);
    Planner p(s, s);
    ASSERT_FALSE(p.tuple("nb.leaf")->negative()); // imports its parent nb into the master
    EXPECT_EQ(p.tuple("nb")->related, (V{"cyclic", "modern", "nb.compat", "nb.config", "nb.cyc_a", "nb.cyc_b",
                                         "nb.twice", "new", "unknown_taken"}))
        << "backport and old are in branches that do not run on the master's Python 3.11; `A = B` is no "
           "constant, so `if A:` is unknown and taken as run";
}

TEST(Planner, AnAttributeOfAnImportedModuleDecidesABranchWhereThatModuleBindsItOnce) {
    // `import six`, then `if six.PY2:`; future.types: `from future import utils`
    // (a subpackage), then `if utils.PY3: import builtins / else: from .newbytes import
    // newbytes`. The tests also count in a constant the module binds from them. A module
    // name bound twice, an attribute its module binds twice, and a test before the
    // import stay unknown (the branch is taken as run).
    MemorySource s;
    s.add("fu",
          "if six.PY2:\n    import before_import\n"
          "import six\nimport fu.compat as u\nfrom fu import utils\nimport twice\ntwice = None\n"
          "PY3_COPY = six.PY3\n"
          "if six.PY2:\n    import old\nif not utils.PY3:\n    import old_utils\nelse:\n    import new_utils\n"
          "if u.PY2 or six.MAYBE:\n    import unknown_taken\nif twice.PY2:\n    import twice_taken\n"
          "if not PY3_COPY:\n    import old_copy\n",
          true, false, false);
    s.add("six", "import sys\nPY2 = sys.version_info[0] == 2\nPY3 = sys.version_info[0] == 3\nMAYBE = True\nMAYBE = False\n",
          false, false, false);
    s.add("fu.utils", "import sys\nPY2 = sys.version_info[0] == 2\nPY3 = sys.version_info[0] >= 3\n", true, false, false);
    s.add("fu.compat", "PY2 = False\n", false, false, false);
    s.add("twice", "PY2 = False\n", false, false, false);
    for (const char* m : {"before_import", "old", "old_utils", "new_utils", "unknown_taken", "twice_taken", "old_copy"})
        s.add(m, "", false, false, false);
    s.add("fu.leaf", "", false, false, false);
    s.add("sys", "", false, /*stdlib=*/true);
    Planner p(s, s);
    ASSERT_FALSE(p.tuple("fu.leaf")->negative()); // imports its parent fu into the master
    EXPECT_EQ(p.tuple("fu")->related, (V{"before_import", "fu.compat", "fu.utils", "new_utils", "six", "twice",
                                         "twice_taken", "unknown_taken"}))
        << "old, old_utils and old_copy are in branches that do not run on Python 3; six.MAYBE is bound twice "
           "and u.PY2 is false, so `u.PY2 or six.MAYBE` is unknown; `twice` is rebound";
}

TEST(Planner, AModuleThatSetsASignalHandlerFailsOnTheBrokerThread) {
    // psutil.tests calls signal.signal() at its top level: serving one of its test
    // modules imports it on the master's broker thread, where that raises ValueError.
    // What it imported first stays in sys.modules; it and what follows do not. A
    // handler set in a try body that catches the error, or in a function, is no failure.
    MemorySource s;
    s.add("pk", "", true, false, false);
    s.add("pk.tests", "import signal\nimport pk.helper\nsignal.signal(signal.SIGTERM, lambda *a: None)\nimport pk.after\n",
          true, false, false);
    s.add("pk.tests.test_a", "import pk.tests\n", false, false, false);
    s.add("pk.guarded", "import signal\ntry:\n    old = signal.signal(signal.SIGINT, h)\nexcept ValueError:\n    pass\n"
                        "def f():\n    signal.signal(signal.SIGINT, h)\nimport pk.after\n", true, false, false);
    s.add("pk.guarded.test_b", "", false, false, false);
    s.add("pk.helper", "", false, false, false);
    s.add("pk.after", "", false, false, false);
    s.add("signal", "", false, /*stdlib=*/true);
    // Their related imports are what of these is loaded when they are first served.
    s.add("pk.probe1", "import pk.helper, pk.tests, pk.after, pk.guarded\n", false, false, false);
    s.add("pk.probe2", "import pk.helper, pk.tests, pk.after, pk.guarded\n", false, false, false);
    Planner p(s, s);
    EXPECT_EQ(p.tuple("pk.tests.test_a")->related, (V{"pk"}));
    EXPECT_EQ(p.related_imports("pk.probe1"), (V{"pk", "pk.helper"}))
        << "pk.tests failed on the broker thread after importing pk.helper, before pk.after";
    EXPECT_FALSE(p.tuple("pk.guarded.test_b")->negative());
    EXPECT_EQ(p.related_imports("pk.probe2"), (V{"pk", "pk.after", "pk.guarded", "pk.helper"}));
}

TEST(Planner, AFromImportOfANameTheModuleSurelyLacksRaisesImportError) {
    // partd.python: `try: from pandas import msgpack / except ImportError: import msgpack`.
    // Where the module's text never spells the name and binds no names it does not
    // spell, the from-import raises and the except clause runs; a module __getattr__,
    // a star import, the name in a comment, a dunder the import system sets, or a
    // package one of whose modules installs an import hook (tlz, whose _build_tlz fills
    // its namespace from toolz) leave it possible (taken as there).
    const std::vector<std::string> sources = {"pd", "pdlazy", "pdstar", "pdnote", "pddunder", "hk"};
    MemorySource s;
    s.add("pddunder", "", true, false, false);
    s.add("hk", "from . import _hook\n", true, false, false);
    s.add("hk._hook", "import sys\nsys.meta_path.append(Finder(prefix='hk'))\n", false, false, false);
    s.add("pd", "import sys\nVERSION = 1\n", true, false, false);
    s.add("pdlazy", "def __getattr__(name):\n    raise AttributeError(name)\n", true, false, false);
    s.add("pdstar", "from os.path import *\n", true, false, false);
    s.add("pdnote", "# msgpack support was removed\n", true, false, false);
    for (const std::string& m : sources) {
        const std::string name = m == "pddunder" ? "__file__" : "msgpack";
        s.add("user_" + m, "try:\n    from " + m + " import " + name + "\nexcept ImportError:\n    import fallback_" + m + "\n",
              false, false, false);
        s.add("fallback_" + m, "", false, false, false);
        s.add("probe_" + m, "import user_" + m + ", fallback_" + m + "\n", false, false, false);
    }
    s.add("sys", "", false, /*stdlib=*/true);
    s.add("os", "", true, /*stdlib=*/true);
    s.add("os.path", "", false, /*stdlib=*/true);
    Planner p(s, s);
    for (const std::string& m : sources) {
        ASSERT_TRUE(p.import_into_master("user_" + m)) << m;
        const auto related = p.related_imports("probe_" + m); // what of its imports is loaded
        ASSERT_TRUE(related.has_value()) << m;
        EXPECT_EQ(std::count(related->begin(), related->end(), "fallback_" + m), m == "pd" ? 1 : 0) << m;
    }
}

TEST(Planner, SetuptoolsShimServesDistutilsFromSetuptools) {
    // Debian's python3-setuptools installs distutils-precedence.pth: _distutils_hack is
    // loaded at startup, and a first `import distutils` (numpy.distutils, numba's pycc)
    // gets setuptools._distutils, which is no stdlib: related, with its submodules.
    const auto make = [](MemorySource& s, bool hook) {
        if (hook) s.add("_distutils_hack", "", true, false, /*loaded=*/true);
        s.add("distutils", "", true, /*stdlib=*/true, false);
        s.add("distutils.core", "", false, true, false);
        s.add("distutils.log", "", false, true, false);
        s.add("setuptools", "import distutils.core\n", true, false, false);
        s.add("setuptools._distutils", "", true, false, false);
        s.add("setuptools._distutils.core", "from .log import x\n", false, false, false);
        s.add("setuptools._distutils.log", "x = 1\n", false, false, false);
        s.add("app", "", true, false, false);
        s.add("app.build", "from distutils import core, log\n", false, false, false);
        s.add("app.user", "from distutils import core, log\nimport setuptools\n", false, false, false);
    };
    MemorySource with_hook, without;
    make(with_hook, true);
    make(without, false);
    Planner p(with_hook, with_hook), q(without, without);
    ASSERT_EQ(p.import_into_master("app.build"), true);
    EXPECT_EQ(p.tuple("app.user")->related, (V{"app", "distutils", "distutils.core", "distutils.log", "setuptools"}));
    const auto log = p.tuple("distutils.log");
    ASSERT_FALSE(log->negative());
    EXPECT_EQ(*log->path, *p.tuple("setuptools._distutils.log")->path) << "served from setuptools' copy";
    ASSERT_EQ(q.import_into_master("app.build"), true);
    EXPECT_EQ(q.tuple("app.user")->related, (V{"app"})) << "no shim: the standard library's distutils";
}

TEST(Planner, RequestsPackagesPutsUrllib3InSysModulesUnderItsOwnName) {
    // requests/packages.py imports urllib3 and idna and loops over sys.modules to put
    // each of their modules there again as requests.packages.<name>; a from-import
    // through such a name imports submodules under the module's own name.
    MemorySource s;
    s.add("requests", "from . import packages\n", true, false, false);
    s.add("requests.packages",
          "import sys\ntry:\n    import chardet\nexcept ImportError:\n    import charset_normalizer as chardet\n"
          "for package in (\"urllib3\", \"idna\"):\n    locals()[package] = __import__(package)\n"
          "    for mod in list(sys.modules):\n        if mod == package or mod.startswith(f\"{package}.\"):\n"
          "            sys.modules[f\"requests.packages.{mod}\"] = sys.modules[mod]\n"
          "target = chardet.__name__\n",
          false, false, false);
    s.add("urllib3", "from . import response\n", true, false, false);
    s.add("urllib3.response", "", false, false, false);
    s.add("urllib3.contrib", "", true, false, false);
    s.add("urllib3.contrib.socks", "", false, false, false);
    s.add("idna", "", true, false, false);
    s.add("chardet", "", true, false, false);
    s.add("user", "", true, false, false);
    s.add("user.a", "import requests\nfrom requests.packages.urllib3 import contrib\n", false, false, false);
    s.add("user.b", "from requests.packages.urllib3 import response\nfrom requests.packages import chardet\n"
                    "import requests.packages.idna\n", false, false, false);
    s.add("user.c", "from urllib3 import contrib\n", false, false, false);
    Planner p(s, s);
    ASSERT_TRUE(p.import_into_master("user.a"));
    EXPECT_EQ(p.tuple("user.b")->related,
              (V{"chardet", "requests", "requests.packages", "requests.packages.chardet", "requests.packages.idna",
                 "requests.packages.urllib3", "requests.packages.urllib3.response", "user"}));
    EXPECT_EQ(p.tuple("user.c")->related, (V{"urllib3", "urllib3.contrib", "user"}))
        << "user.a's from-import through the alias imported urllib3.contrib";
}

TEST(Planner, AnExceptClauseRunsWhereTheGuardedImportSurelyFailed) {
    // bs4.dammit tries cchardet (not installed), then chardet: chardet is imported, and
    // charset_normalizer (the next fallback) is not. Where the failure is not certain (a
    // name below a plain module, as six.moves provides them), the fallback is not taken.
    MemorySource s;
    s.add("b4", "try:\n    import cchardet as c\nexcept ImportError:\n    try:\n        import chardet as c\n"
                "    except ImportError:\n        import charset_normalizer as c\nelse:\n    import fast_path\n"
                "try:\n    from plain.moves import thing\nexcept ImportError:\n    import moves_fallback\n", true, false, false);
    // Related are the imported ones among those b4.sub names.
    s.add("b4.sub", "import chardet, charset_normalizer, fast_path, plain, moves_fallback\n", false, false, false);
    for (const char* n : {"chardet", "charset_normalizer", "fast_path", "plain", "moves_fallback"}) s.add(n, "", false, false, false);
    Planner p(s, s);
    EXPECT_EQ(p.tuple("b4.sub")->related, (V{"b4", "chardet", "plain"}));
}

TEST(Planner, SixMovesNamesThatDoNotImportOnLinuxFail) {
    // dateutil.tz.win: `from six.moves import winreg`, a name six defines only on
    // Windows, fails the module, so dateutil.tz's `from .win import tzwin` falls back
    // and dateutil.tz.win is never in sys.modules. tkinter is missing on this master.
    // Whether or not the master had imported six: importing it gives six.moves (put in
    // sys.modules by six's import hook, not found as a file).
    for (const bool six_loaded : {true, false}) {
        MemorySource s;
        s.add("six", "import sys\n", false, false, six_loaded);
        if (six_loaded) s.add_unservable("six.moves");
        s.add("tz", "try:\n    from .win import tzwin\nexcept ImportError:\n    tzwin = None\nfrom . import ok\n", true,
              false, false);
        s.add("tz.win", "from six.moves import winreg\n", false, false, false);
        s.add("tz.ok", "from six.moves import queue\ntry:\n    from six.moves import tkinter\nexcept ImportError:\n"
                       "    import no_tk\n", false, false, false);
        s.add("no_tk", "", false, false, false);
        s.add("tz.user", "import tz.win, tz.ok, no_tk\n", false, false, false);
        Planner p(s, s);
        EXPECT_EQ(p.tuple("tz.user")->related, (V{"no_tk", "tz", "tz.ok"})) << "six loaded: " << six_loaded;
    }
}

TEST(Planner, AModuleThatPutsAStdlibModuleInItsPlaceInSysModulesIsStdlib) {
    // ansible.module_utils.compat.selectors ends with
    // `sys.modules['ansible.module_utils.compat.selectors'] = selectors`, the standard
    // library's module when it imports: is_stdlib_name then sees a stdlib file, and
    // the name is not related. Its bundled fallback is not imported either.
    MemorySource s;
    s.add("selectors", "", false, /*stdlib=*/true, false);
    s.add("compat", "from . import selectors, shim\n", true, false, false);
    s.add("compat._bundled", "", false, false, false);
    s.add("compat.selectors",
          "import sys\ntry:\n    import selectors as _system\nexcept ImportError:\n    _system = None\n"
          "if _system:\n    selectors = _system\nelse:\n    from compat import _bundled as selectors\n"
          "sys.modules['compat.selectors'] = selectors\n", false, false, false);
    s.add("compat.shim", "import sys\nfrom compat import _bundled as impl\nsys.modules[__name__] = impl\n", false, false,
          false);
    s.add("compat.user", "import compat.selectors, compat.shim, compat._bundled\n", false, false, false);
    Planner p(s, s);
    // Serving compat.user imports compat first. compat.shim is the bundled module now:
    // served, and related.
    EXPECT_EQ(p.tuple("compat.user")->related, (V{"compat", "compat._bundled", "compat.shim"}));
}

TEST(Planner, AnUnguardedImportOfAMissingModuleFailsTheImporter) {
    // bs4.tests imports pytest at the top (not installed): importing it raises, so the
    // package is not in sys.modules when bs4.tests.test_x is served, and not related;
    // nor is a module whose own unguarded import of it failed (greenlet.tests via
    // leakcheck). A builtin module has no file and still imports; a submodule that is
    // not found may be provided by code the planner does not run, and is let pass.
    MemorySource s;
    s.add("t", "import sys\nimport time\nimport ok\nfrom . import helper\n", true, false, false);
    s.add("t.helper", "import os\nimport missing_dep\n", false, false, false);
    s.add("t.test_x", "from t import helper\nimport ok\n", false, false, false);
    s.add("ok", "import sys\nfrom ok import not_a_module\nimport ok.injected\nif cond:\n    import missing_dep\n", false, false, false);
    s.add("os", "", false, /*stdlib=*/true, false);
    // A package with an import hook may provide what its directory lacks (pkg_resources.extern).
    s.add("hooked", "import sys\nsys.meta_path.append(VendorImporter())\n", true, false, false);
    s.add("uses_hook", "import hooked.vendored\n", false, false, false);
    // So may one whose submodule installs it when the package imports it (tlz._build_tlz).
    s.add("hooked2", "from . import _hook\n", true, false, false);
    s.add("hooked2._hook", "import sys\nclass L:\n    def find_spec(self, name, path, target=None):\n"
                           "        if name.partition('.')[0] == 'hooked2':\n            return spec(name)\n"
                           "sys.meta_path.append(L())\n", false, false, false);
    s.add("uses_hook2", "import hooked2\nimport hooked2.functoolz\n", false, false, false);
    // A vendored six's hook serves its own six.moves, not its package's other names.
    s.add("vend", "from . import six\n", true, false, false);
    s.add("vend.six", "import sys\nsys.meta_path.append(_SixMetaPathImporter(__name__))\n", false, false, false);
    s.add("uses_vend", "import vend\nimport vend.missing\n", false, false, false);
    s.add("missing_sub", "from . import nowhere\n", true, false, false);
    s.add("q", "import uses_hook\nimport missing_sub\nimport uses_hook2\ntry:\n    import uses_vend\nexcept ImportError:\n    pass\n", true, false, false);
    s.add("q.x", "import hooked, uses_hook, missing_sub, hooked2, uses_hook2, vend, uses_vend\n", false, false, false);
    Planner p(s, s);
    // Serving t.test_x imports its parent t, which imports ok (whose failures are not
    // certain, so it stays) and then raises.
    EXPECT_EQ(p.tuple("t.test_x")->related, (V{"ok"})) << "t and t.helper raised";
    // `from . import nowhere` only imports a submodule if there is one (else an attribute).
    EXPECT_EQ(p.tuple("q.x")->related, (V{"hooked", "hooked2", "missing_sub", "q", "uses_hook", "uses_hook2", "vend"}))
        << "uses_hook2 imported: hooked2._hook put a finder for hooked2 on sys.meta_path; uses_vend failed";
}

TEST(Planner, AFromImportOfACExtensionImportsIt) {
    // lxml.html's `from lxml import etree`: etree is a C extension of the package, which
    // the from-import imports (sys.modules gets it), so it is related.
    struct WithExtension final : ModuleSource {
        const MemorySource& s;
        explicit WithExtension(const MemorySource& m) : s(m) {}
        std::optional<FoundModule> find(std::string_view n) const override { return s.find(n); }
        bool is_stdlib_path(std::string_view p) const override { return s.is_stdlib_path(p); }
        std::optional<std::string> extension_path(std::string_view n) const override {
            if (n == "lx.etree") return "/virtual/lx/etree.so";
            return std::nullopt;
        }
    };
    MemorySource s;
    s.add("lx", "not_a_module = None\n", true, false, false);
    s.add("lx.html", "from lx import etree, not_a_module\n", true, false, false);
    s.add("lx.html.defs", "", false, false, false);
    WithExtension src(s);
    Planner p(src, s);
    EXPECT_EQ(p.tuple("lx.html.defs")->related, (V{"lx", "lx.etree", "lx.html"})) << "found through lx.html";
    EXPECT_EQ(p.tuple("lx.html")->related, (V{"lx", "lx.etree"}));
}

TEST(Planner, AnImportedCExtensionIsLoadedWithoutSource) {
    // yaml/__init__ imports yaml._yaml (a .so): it enters sys.modules, so it is related
    // and answered negatively, as the reference does.
    struct WithExtension final : ModuleSource {
        const MemorySource& s;
        explicit WithExtension(const MemorySource& m) : s(m) {}
        std::optional<FoundModule> find(std::string_view n) const override { return s.find(n); }
        bool is_stdlib_path(std::string_view p) const override { return s.is_stdlib_path(p); }
        std::optional<std::string> extension_path(std::string_view n) const override {
            if (n == "y._c") return "/virtual/y/_c.so";
            if (n == "_stdext") return "/stdlib/_stdext.so";
            return std::nullopt;
        }
    };
    MemorySource s;
    s.add("y", "from ._c import thing\nimport _stdext\n", true, false, false);
    s.add("y.loader", "", false, false, false);
    WithExtension src(s);
    Planner p(src, s);
    auto sent = Planner::initial_sent_modules();
    const auto out = p.plan("y.loader", sent);
    ASSERT_EQ(names(out), (V{"y.loader"}));
    EXPECT_EQ(out[0]->related, (V{"y", "y._c"})) << "the stdlib extension is imported but not related";
    const auto pkg = p.plan("y", sent);
    ASSERT_EQ(names(pkg), (V{"y._c", "y"}));
    EXPECT_TRUE(pkg[0]->negative());
}

TEST(Planner, ACffiExtensionAlsoRegistersItsLibObject) {
    // Importing cryptography's bindings puts cryptography.hazmat.bindings._openssl.lib
    // in sys.modules: cffi's generated modules register their lib object there.
    struct WithCffi final : ModuleSource {
        const MemorySource& s;
        explicit WithCffi(const MemorySource& m) : s(m) {}
        std::optional<FoundModule> find(std::string_view n) const override { return s.find(n); }
        bool is_stdlib_path(std::string_view p) const override { return s.is_stdlib_path(p); }
        std::optional<std::string> extension_path(std::string_view n) const override {
            if (n == "p._ffi") return "/virtual/p/_ffi.so";
            return std::nullopt;
        }
        std::optional<std::string> cffi_module_name(std::string_view path, std::string_view n) const override {
            if (path == "/virtual/p/_ffi.so") return std::string(n);
            return std::nullopt;
        }
    };
    MemorySource s;
    s.add("p", "from ._ffi import ffi, lib\n", true, false, false);
    s.add("p.use", "from p._ffi import lib\n", false, false, false);
    WithCffi src(s);
    Planner p(src, s);
    EXPECT_EQ(p.tuple("p.use")->related, (V{"p", "p._ffi", "p._ffi.lib"}));
}

TEST(Planner, ImportingANamespaceParentFailsTheRequestLikeTheReference) {
    // lazr.restfulclient.resource from a master that never imported lazr: the lookup
    // imports the namespace package lazr (__file__ None), and the related-module
    // computation then raises, so the answer is negative and not recorded as sent.
    struct WithNamespace final : ModuleSource {
        const MemorySource& s;
        explicit WithNamespace(const MemorySource& m) : s(m) {}
        std::optional<FoundModule> find(std::string_view n) const override { return s.find(n); }
        bool is_stdlib_path(std::string_view p) const override { return s.is_stdlib_path(p); }
        bool is_namespace_package(std::string_view n) const override { return n == "ns"; }
    };
    MemorySource s;
    s.add("ns.mod", "X = 1\n", false, false, false);
    s.add("other", "X = 2\n", false, false, false);
    WithNamespace src(s);
    Planner p(src, s);
    auto sent = Planner::initial_sent_modules();
    const auto out = p.plan("ns.mod", sent);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0]->negative());
    EXPECT_FALSE(sent.count("ns.mod"));
    EXPECT_EQ(names(p.plan("other", sent)), (V{"other"})) << "other requests are unaffected";
}

TEST(Planner, NamespacePackageInRelatedFailsTheRequestLikeTheReference) {
    // wadllib.application imports lazr.uri; `lazr` is a namespace package whose
    // __file__ is None, so the reference's is_stdlib_name raises TypeError.
    struct Ns final : LoadedModules {
        const MemorySource& s;
        explicit Ns(const MemorySource& m) : s(m) {}
        bool loaded(std::string_view n) const override { return s.loaded(n) || n == "lazr"; }
        bool stdlib(std::string_view n) const override { return s.stdlib(n); }
        bool file_is_none(std::string_view n) const override { return n == "lazr"; }
    };
    MemorySource s;
    s.add("app", "import lazr.uri\n", true);
    s.add("app.ok", "X = 1\n");
    s.add("lazr.uri", "");
    Ns loaded(s);
    Planner p(s, loaded);
    auto sent = Planner::initial_sent_modules();
    auto out = p.plan("app", sent);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0]->negative());
    EXPECT_FALSE(sent.count("app"));
    EXPECT_EQ(names(p.plan("app.ok", sent)), (V{"app.ok"}));
}

// ModuleResponder.neutralize_main: __main__ is served up to its main guard, whole
// when it calls mitogen.main(), and refused (a negative reply, not recorded as sent)
// otherwise. The guard offsets are the reference's MAIN_RE.search() on each text.
TEST(Planner, MainGuardMatchesTheReferenceRegex) {
    const struct {
        const char* source;
        int offset; // -1: no match
    } cases[] = {
        {"x = 1\nif __name__ == '__main__':\n    run()\n", 6},
        {"if __name__ == \"__main__\" :\n", 0},
        {"if __name__ == __main__ :\n", 0},
        {"if __name__ ==\t__main__\t:\n", 0},
        {"  if __name__ == '__main__':\n", -1},
        {"if\n__name__\n==\n'__main__'\n\n:\n", 0},
        {"if __name__ == '__main__'\n:", 0},
        {"if __name__ == '__main__':", 0},
        {"if __name__ != '__main__':\n", -1},
        {"if __name__ == '__main__' and x:\n", -1},
        {"if __name__=='__main__':pass", 0},
        {"ifx __name__ == '__main__':\n", -1},
        {"if __name__ == \n'__main__':\n", 0},
        {"if __name__ == '\n__main__':\n", -1},
        {"# if __name__ == '__main__':\nif  __name__ == '__main__':\n", 29},
        {"", -1},
        {"if __name__ == '__main__'", -1},
        {"if __name__ == ''__main__'':\n", -1},
    };
    for (const auto& c : cases) {
        const auto got = main_guard(c.source);
        EXPECT_EQ(got ? static_cast<int>(*got) : -1, c.offset) << c.source;
    }
}

TEST(Planner, MainIsServedUpToItsGuardOrRefused) {
    const auto served = [](const std::string& main_source) {
        MemorySource src;
        src.add("__main__", main_source);
        src.add("helper", "X = 1\n");
        Planner p(src, src);
        auto sent = Planner::initial_sent_modules();
        auto out = p.plan("__main__", sent);
        return std::make_pair(out, sent.count("__main__") != 0);
    };
    auto [guarded, g_sent] = served("X = 1\nif __name__ == '__main__':\n    import helper\n");
    ASSERT_EQ(guarded.size(), 1u);
    EXPECT_EQ(*guarded[0]->source, "X = 1\n");
    EXPECT_EQ(guarded[0]->related, (V{"helper"})) << "related imports come from the whole script";
    EXPECT_TRUE(g_sent);
    auto [whole, w_sent] = served("import helper\nmitogen.main()(run)\n");
    ASSERT_EQ(whole.size(), 1u);
    EXPECT_EQ(*whole[0]->source, "import helper\nmitogen.main()(run)\n");
    auto [refused, r_sent] = served("import helper\nmain()\n");
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_TRUE(refused[0]->negative());
    EXPECT_FALSE(r_sent) << "a failed request is not recorded as sent";
}

// An optional dependency that is missing: a module whose `try: import socks` ends in
// `except ImportError: raise` fails to import, so it is not loaded afterwards and not
// related, while a module that catches the error carries on (requests.adapters and
// urllib3.contrib.socks without PySocks, checked against the real master).
TEST(Planner, AReraisedImportErrorFailsTheImportingModule) {
    MemorySource src;
    src.add("app", "try:\n    from lib.socks import Proxy\nexcept ImportError:\n    Proxy = None\nimport lib.other\n", false,
            false, /*loaded=*/false);
    src.add("lib", "", true, false, false);
    src.add("lib.socks", "try:\n    import socks\nexcept ImportError:\n    import warnings\n    raise\n", false, false, false);
    src.add("lib.other", "X = 1\n", false, false, false);
    Planner p(src, src);
    // Answering app.x imports app (its parent), which runs app's imports.
    auto sent = Planner::initial_sent_modules();
    p.plan("app.x", sent);
    const auto rel = p.related_imports("app");
    ASSERT_TRUE(rel);
    EXPECT_EQ(*rel, (V{"lib.other"})) << "lib.socks failed to import, lib.other was imported after it";
}

} // namespace
} // namespace mitokit::modules
