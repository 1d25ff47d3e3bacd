// Imports through the simulated tree: the master's responder plans, the
// intermediate forwards from its cache, children skip absent submodules locally.
#include "sim_fixture.hpp"

#include "mitokit/sim/module_catalog.hpp"
#include "modules/memory_source.hpp"

namespace mitokit::sim::testing {
namespace {

struct ModWorld : World {
    ModWorld() : World(3) {
        src.add("mypkg", "from mypkg import util\nfrom . import sub\n", true);
        src.add("mypkg.util", "import os\n");
        src.add("mypkg.sub", "import other\nfrom mypkg.deep import thing\n");
        src.add("mypkg.deep", "", true);
        src.add("mypkg.deep.thing", "X = 1\n");
        src.add("other", "X = 2\n");
        src.add("os", "", false, true);
        catalog = std::make_unique<ModuleCatalog>(src, src);
        shared.modules = catalog.get();
        SimConfig cfg;
        cfg.seed = 3;
        sim = std::make_unique<Simulation>(cfg, shared);
    }
    payload::CallFunction import_call(std::vector<std::string> names) {
        auto c = make_call("mitokit.sim", std::nullopt, "import_modules");
        std::vector<pickle::NodeId> items;
        for (auto& n : names) items.push_back(c.doc.str(n));
        c.args = c.doc.tuple({c.doc.seq(pickle::Kind::list, items)});
        return c;
    }
    std::uint64_t gets() const {
        const auto& m = sim->per_handle();
        return m.count(handle::GET_MODULE) ? m.at(handle::GET_MODULE).messages : 0;
    }
    std::uint64_t loads() const {
        const auto& m = sim->per_handle();
        return m.count(handle::LOAD_MODULE) ? m.at(handle::LOAD_MODULE).messages : 0;
    }
    modules::MemorySource src;
    std::unique_ptr<ModuleCatalog> catalog;
};

TEST(Importer, GrandchildImportsThroughForwarderWithRelatedPushed) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    auto r = w.call(g, w.import_call({"mypkg.sub"}));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    EXPECT_EQ(r.integer(), 1);
    Node& gn = *w.sim->find(g);
    for (const char* m : {"mypkg", "mypkg.util", "mypkg.sub", "other", "mypkg.deep", "mypkg.deep.thing"})
        EXPECT_TRUE(gn.module_imported(m)) << m;
    EXPECT_TRUE(gn.module_imported("os")) << "stdlib is local to the child";
    EXPECT_FALSE(gn.module_cached("os")) << "and never asked for";
    // GET mypkg, GET mypkg.sub, GET other (its top level was never sent): 3
    // requests, each two hops (grandchild -> intermediate -> master).
    EXPECT_EQ(w.gets(), 6u);
    EXPECT_TRUE(w.sim->find(c1)->module_cached("mypkg.deep.thing")) << "the intermediate caches what passes";
}

TEST(Importer, SecondChildIsServedFromTheIntermediateCache) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    ASSERT_TRUE(w.call(g, w.import_call({"mypkg.sub"})).ok());
    const auto before = w.gets();
    const ContextId g2 = w.spawn_via(c1);
    ASSERT_TRUE(w.call(g2, w.import_call({"mypkg.sub"})).ok());
    // One hop each, answered from the intermediate's cache; and only 2 requests:
    // the forwarder pushes every cached related module with no top-level filter,
    // so `other` arrives with mypkg.sub.
    EXPECT_EQ(w.gets() - before, 2u);
    EXPECT_TRUE(w.sim->find(g2)->module_cached("other"));
    EXPECT_TRUE(w.sim->find(g2)->module_imported("mypkg.deep.thing"));
}

TEST(Importer, ConcurrentRequestsAreDedupedInFlight) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    const ContextId g2 = w.spawn_via(c1);
    int done = 0;
    for (ContextId t : {g, g2})
        w.sim->master().call_async(t, w.import_call({"mypkg.sub"}), [&](Node&, const Message& m) {
            EXPECT_TRUE(read_reply(m).ok());
            ++done;
        });
    w.sim->run();
    EXPECT_EQ(done, 2);
    // 2 children x 3 requests to the intermediate, 3 upward: 9, not 12.
    EXPECT_EQ(w.gets(), 9u);
}

TEST(Importer, AbsentSubmoduleIsDeclinedWithoutARoundTrip) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    ASSERT_TRUE(w.call(c1, w.import_call({"mypkg"})).ok());
    const auto before = w.gets();
    auto r = w.call(c1, w.import_call({"mypkg.nosuch"}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.integer(), 0) << "the import failed";
    EXPECT_EQ(w.gets(), before) << "pkg_present said no: nothing asked";
}

TEST(Importer, NegativeAnswerIsCachedAndFailsTheImport) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    auto r = w.call(c1, w.import_call({"nosuchmod", "nosuchmod"}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.integer(), 0);
    EXPECT_EQ(w.gets(), 1u) << "the negative tuple is cached: asked once";
    EXPECT_TRUE(w.sim->find(c1)->module_cached("nosuchmod"));
}

// A child runs a module body as Python does: an except clause only after its try
// body's import failed, an else clause only without a failure, nothing under
// TYPE_CHECKING or a false version test; a from-import's names that are not
// modules are no failure.
TEST(Importer, ChildRunsGuardedImportsAsPythonWould) {
    ModWorld w;
    w.src.add("guards",
              "import sys\n"
              "PY2 = sys.version_info[0] == 2\n"
              "try:\n"
              "    import accel\n"               // the master cannot serve it
              "except ImportError:\n"
              "    from guards_pure import impl\n" // so the fallback is asked for
              "try:\n"
              "    import other\n"
              "except ImportError:\n"
              "    import never_after_success\n"
              "else:\n"
              "    import after_success\n"
              "try:\n"
              "    try:\n"
              "        import accel\n"
              "    except ImportError:\n"
              "        raise\n"                    // on to the outer handler
              "except ImportError:\n"
              "    import outer_fallback\n"
              "finally:\n"
              "    import always\n"
              "if PY2:\n"
              "    import py2_only\n"
              "from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n"
              "    import typing_only\n"
              "from mypkg.util import os\n");       // `os` is a name in mypkg.util, not a submodule
    for (const char* m : {"guards_pure", "after_success", "outer_fallback", "always"}) w.src.add(m, "X = 1\n", false, false, false);
    for (const char* m : {"never_after_success", "py2_only", "typing_only"}) w.src.add(m, "X = 1\n", false, false, false);
    w.src.add("typing", "", false, true);
    w.src.add("sys", "", false, true);
    const ContextId c1 = w.spawn_from_master();
    auto r = w.call(c1, w.import_call({"guards"}));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    EXPECT_EQ(r.integer(), 1) << "guards imported";
    const Node& n = *w.sim->find(c1);
    for (const char* m : {"guards_pure", "after_success", "outer_fallback", "always", "other", "mypkg.util"})
        EXPECT_TRUE(n.module_imported(m)) << m << " runs";
    EXPECT_TRUE(n.module_cached("accel")) << "asked for, answered negatively";
    EXPECT_FALSE(n.module_imported("accel"));
    for (const char* m : {"never_after_success", "py2_only", "typing_only", "mypkg.util.os"})
        EXPECT_FALSE(n.module_cached(m)) << m << " is never asked for";
}

TEST(Importer, ChildReadsAVersionTupleImportedFromAnotherModule) {
    // numba.core.entrypoints: `from numba.core.config import PYVERSION`, then
    // `if PYVERSION < (3, 9): import importlib_metadata`: the child never asks for it.
    ModWorld w;
    w.src.add("vcfg", "import sys\nPYVERSION = sys.version_info[:2]\n", false, false, false);
    w.src.add("vuser", "from vcfg import PYVERSION\nif PYVERSION < (3, 9):\n    import backport\nelse:\n    import modern\n",
              false, false, false);
    for (const char* m : {"backport", "modern"}) w.src.add(m, "X = 1\n", false, false, false);
    w.src.add("sys", "", false, true);
    const ContextId c1 = w.spawn_from_master();
    auto r = w.call(c1, w.import_call({"vuser"}));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    const Node& n = *w.sim->find(c1);
    EXPECT_TRUE(n.module_imported("modern"));
    EXPECT_FALSE(n.module_cached("backport")) << "the Python 3.8 branch does not run";
}

TEST(Importer, ChildReadsAnAttributeOfAnImportedModule) {
    // future.types: `from future import utils`, then `if utils.PY3: import builtins /
    // else: from .newbytes import newbytes`; six: `import six`, then `if six.PY2:`.
    ModWorld w;
    w.src.add("fut", "", true, false, false);
    w.src.add("fut.utils", "import sys\nPY3 = sys.version_info[0] >= 3\n", true, false, false);
    w.src.add("sx", "import sys\nPY2 = sys.version_info[0] == 2\n", false, false, false);
    w.src.add("auser", "from fut import utils\nimport sx\nif utils.PY3:\n    import modern\nelse:\n    import backport\n"
                       "if sx.PY2:\n    import py2_only\n",
              false, false, false);
    for (const char* m : {"backport", "modern", "py2_only"}) w.src.add(m, "X = 1\n", false, false, false);
    w.src.add("sys", "", false, true);
    const ContextId c1 = w.spawn_from_master();
    auto r = w.call(c1, w.import_call({"auser"}));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    const Node& n = *w.sim->find(c1);
    EXPECT_TRUE(n.module_imported("modern"));
    EXPECT_FALSE(n.module_cached("backport")) << "utils.PY3 is true on the child's Python 3";
    EXPECT_FALSE(n.module_cached("py2_only"));
}

TEST(Importer, CallIntoUnimportedModuleImportsItFirst) {
    ModWorld w;
    w.functions.add("mypkg.util", std::nullopt, "answer",
                    [](Node&, const payload::CallFunction&, CallDone done) { done(CallResult::integer(42)); });
    const ContextId c1 = w.spawn_from_master();
    auto r = w.call(c1, make_call("mypkg.util", std::nullopt, "answer"));
    ASSERT_TRUE(r.ok()) << r.call_error.value_or("");
    EXPECT_EQ(r.integer(), 42);
    EXPECT_TRUE(w.sim->find(c1)->module_imported("mypkg.util"));
    auto bad = w.call(c1, make_call("nosuchmod", std::nullopt, "f"));
    ASSERT_TRUE(bad.call_error);
    EXPECT_NE(bad.call_error->find("unable to serve 'nosuchmod'"), std::string::npos) << *bad.call_error;
}

TEST(Importer, ForwardModulesPushesTowardADeepContext) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    const ContextId g = w.spawn_via(c1);
    // The intermediate must hold the modules to forward them: import there first.
    ASSERT_TRUE(w.call(c1, w.import_call({"mypkg.sub"})).ok());
    w.sim->master().forward_modules(g, {"mypkg.sub"});
    w.sim->run();
    EXPECT_TRUE(w.sim->find(g)->module_cached("mypkg.sub"));
    EXPECT_TRUE(w.sim->find(g)->module_cached("mypkg"));
    const auto before = w.gets();
    ASSERT_TRUE(w.call(g, w.import_call({"mypkg.sub"})).ok());
    EXPECT_EQ(w.gets() - before, 0u) << "everything came with the push (the forwarder does not filter related)";
}

// Imports answered at once (imported already, declined without a round trip) must
// not nest a stack frame or a callback per import: a long list, a long dotted
// name, a from-import of thousands of names.
TEST(Importer, ImportsAnsweredAtOnceNeitherRecurseNorGrowPerLevel) {
    ModWorld w;
    const ContextId c1 = w.spawn_from_master();
    ASSERT_TRUE(w.call(c1, w.import_call({"mypkg"})).ok());
    // 200,000 imports of a module already in sys.modules, in one call.
    auto r = w.call(c1, w.import_call(std::vector<std::string>(200000, "mypkg")));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    EXPECT_EQ(r.integer(), 200000);
    // A name of 60 parts under a package that lists none of them: declined at
    // the first, with no request; a callback copied per level would double 60 times.
    std::string deep = "mypkg";
    for (int i = 0; i < 60; ++i) deep += ".p" + std::to_string(i);
    const auto before = w.gets();
    r = w.call(c1, w.import_call({deep}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.integer(), 0);
    EXPECT_EQ(w.gets(), before);
    // A module whose from-import lists 100,000 names that are no submodules.
    std::string body = "from mypkg import (";
    for (int i = 0; i < 100000; ++i) body += "n" + std::to_string(i) + ", ";
    body += "util)\n";
    w.src.add("wide", body, false, false, false);
    r = w.call(c1, w.import_call({"wide"}));
    ASSERT_TRUE(r.ok()) << r.dead_reason << r.call_error.value_or("");
    EXPECT_EQ(r.integer(), 1);
    EXPECT_TRUE(w.sim->find(c1)->module_imported("wide"));
}

} // namespace
} // namespace mitokit::sim::testing
