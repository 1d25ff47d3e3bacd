#include "mitokit/sim/module_catalog.hpp"

#include "mitokit/payloads.hpp"
#include "mitokit/sim/module_sets.hpp"
#include "modules/scanner.hpp"

namespace mitokit::sim {

ModuleCatalog::ModuleCatalog(const modules::ModuleSource& source, const modules::LoadedModules& loaded,
                             modules::PlannerOptions opt)
    : source_(source), loaded_(loaded), planner_(source, loaded, std::move(opt)) {}

std::vector<ModuleRef> ModuleCatalog::plan(const std::string& fullname, std::set<std::string>& sent) {
    std::vector<ModuleRef> out;
    for (auto& t : planner_.plan(fullname, sent)) out.push_back(intern(std::move(t)));
    return out;
}

ModuleRef ModuleCatalog::intern(std::shared_ptr<const modules::ModuleTuple> t) {
    auto it = by_name_.find(t->fullname);
    // A failed request's negative answer is not cached by the planner; keep the
    // first record for the name unless this one is the positive version.
    if (it != by_name_.end() && (t->negative() || !it->second->tuple->negative())) return it->second.get();
    auto d = std::make_unique<ModuleData>();
    payload::LoadModule lm;
    lm.fullname = t->fullname;
    lm.pkg_present = t->pkg_present;
    lm.path = t->path;
    if (t->source) lm.compressed = payload::deflate_source(*t->source);
    lm.related = t->related;
    d->payload = payload::build_load_module(lm);
    if (d->payload.empty()) ++build_failures_;
    if (t->source) d->exec = exec_imports(t->fullname, t->pkg_present.has_value(), *t->source, planner_.export_lookup());
    d->tuple = std::move(t);
    const std::string name = d->tuple->fullname;
    auto& slot = by_name_[name];
    slot = std::move(d);
    return slot.get();
}

ModuleRef ModuleCatalog::find(std::string_view fullname) const {
    const auto it = by_name_.find(fullname);
    return it == by_name_.end() ? nullptr : it->second.get();
}

bool ModuleCatalog::child_local(std::string_view fullname) {
    if (fullname == "mitogen" || fullname == "mitogen.core") return true;
    if (loaded_.stdlib(fullname) || is_builtin_module(fullname)) return true;
    const auto it = local_.find(fullname);
    if (it != local_.end()) return it->second;
    // Standard library the master did not load is still on the child; anything
    // else the child asks for (and may be refused).
    // A C extension of the standard library (termios in lib-dynload) is found by
    // the child's own import system too.
    const auto found = source_.find(fullname);
    const auto extension = found ? std::nullopt : source_.extension_path(fullname);
    const bool local = (found && source_.is_stdlib_path(found->path)) || (extension && source_.is_stdlib_path(*extension));
    local_.emplace(std::string(fullname), local);
    return local;
}

const ExecPlan* ModuleCatalog::local_plan(std::string_view fullname) {
    if (auto it = local_plans_.find(fullname); it != local_plans_.end()) return it->second.get();
    std::unique_ptr<const ExecPlan> plan;
    if (const auto found = source_.find(fullname))
        plan = std::make_unique<const ExecPlan>(exec_imports(fullname, found->is_pkg, found->source, planner_.export_lookup()));
    return local_plans_.emplace(std::string(fullname), std::move(plan)).first->second.get();
}

ExecPlan exec_imports(std::string_view fullname, bool is_pkg, std::string_view source,
                      const modules::ExportLookup* exports) {
    ExecPlan out;
    const std::string package(modules::package_of(fullname, is_pkg));
    const modules::ModuleFacts facts{fullname, package, exports};
    for (auto& ref : modules::scan_executed_imports(source, &facts)) {
        if (ref.kind != modules::ImportRef::Kind::import) continue; // bindings: the planner's concern
        std::string base = modules::imported_module(package, ref);
        if (base.empty()) continue; // "attempted relative import beyond top-level package"
        out.steps.push_back(ExecImport{base, false, ref.tries});
        for (const auto& name : ref.fromlist)
            if (name != "*") out.steps.push_back(ExecImport{base + "." + name, true, ref.tries});
    }
    return out;
}

} // namespace mitokit::sim
