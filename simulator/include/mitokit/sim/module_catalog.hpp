// Module data shared by every Node of a run: the master's Planner (responder
// logic over a ModuleSource) and, per module name, one interned record with the
// LOAD_MODULE payload bytes and what executing the module imports. Nodes hold
// ModuleRefs, never copies, so a million contexts share one copy of each source.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "modules/module_source.hpp"
#include "modules/planner.hpp"
#include "modules/scanner.hpp"

namespace mitokit::sim {

// One import a module body runs, by absolute name: `from a.b import c` is a.b,
// then a.b.c with from_list set (a missing a.b.c is no error: c may be a name).
struct ExecImport {
    std::string name;
    bool from_list = false;
    std::vector<modules::ImportRef::InTry> tries; // the try statements around it, outermost first
};
// What executing a module imports, in order (scan_executed_imports).
struct ExecPlan {
    std::vector<ExecImport> steps;
};

struct ModuleData {
    std::shared_ptr<const modules::ModuleTuple> tuple;
    std::vector<std::uint8_t> payload; // LOAD_MODULE data (pickled 5-tuple)
    ExecPlan exec;                     // what its module body imports when a child runs it
};
using ModuleRef = const ModuleData*;

class ModuleCatalog {
public:
    // `child_local` names exist on every child without asking (its stdlib).
    ModuleCatalog(const modules::ModuleSource& source, const modules::LoadedModules& loaded,
                  modules::PlannerOptions opt = {});

    // The responder's answer to one GET_MODULE on a stream with this sent set.
    std::vector<ModuleRef> plan(const std::string& fullname, std::set<std::string>& sent);
    // The interned record for a tuple, building its payload on first use.
    ModuleRef intern(std::shared_ptr<const modules::ModuleTuple> t);
    // What running a standard library module a child has locally imports (cached);
    // null for one without source (built in, a C extension) or not found.
    const ExecPlan* local_plan(std::string_view fullname);
    // The master's program imports `name` (Planner::import_into_master).
    bool master_import(const std::string& name) { return planner_.import_into_master(name); }
    // A record by name, if any stream was ever sent it.
    ModuleRef find(std::string_view fullname) const;
    // Does a child have this module without asking its parent (stdlib, builtins)?
    bool child_local(std::string_view fullname);
    // The payload is built by payload::build_load_module; failures are reported here.
    std::uint64_t build_failures() const noexcept { return build_failures_; }
    std::size_t size() const noexcept { return by_name_.size(); }

private:
    const modules::ModuleSource& source_;
    const modules::LoadedModules& loaded_;
    modules::Planner planner_;
    std::map<std::string, std::unique_ptr<ModuleData>, std::less<>> by_name_;
    std::map<std::string, bool, std::less<>> local_;
    std::map<std::string, std::unique_ptr<const ExecPlan>, std::less<>> local_plans_;
    std::uint64_t build_failures_ = 0;
};

// What a module's body imports when a child executes it, resolved to absolute
// names: for `from a.b import c` that is a.b then a.b.c (the child declines a.b.c
// locally if it is not a submodule).
// `exports` (optional) reads names the module imports from others (ModuleFacts::exports).
ExecPlan exec_imports(std::string_view fullname, bool is_pkg, std::string_view source,
                      const modules::ExportLookup* exports = nullptr);

} // namespace mitokit::sim
