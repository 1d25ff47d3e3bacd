// The master's module responder as a plan (protocol-notes §5.1): the LOAD_MODULE
// tuples, in order, that answer one GET_MODULE on a stream whose sent_modules set
// is given. Results are cached per name like the reference's, so one Planner
// serves every stream of a master.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "module_source.hpp"
#include "scanner.hpp"

namespace mitokit::modules {

// One LOAD_MODULE 5-tuple, with the uncompressed source kept for hashing.
struct ModuleTuple {
    std::string fullname;
    std::optional<std::vector<std::string>> pkg_present; // None for plain modules
    std::optional<std::string> path;                     // None for negative replies
    std::optional<std::string> source;                   // uncompressed; None for negative replies
    std::vector<std::string> related;                    // empty for negative replies (sent as a tuple)
    bool negative() const noexcept { return !path; }
};

struct PlannerOptions {
    std::vector<std::string> whitelist{""}; // is_blacklisted_import: prefixes, not dotted names
    std::vector<std::string> blacklist{};
};

// Where the reference cuts a __main__ script (ModuleResponder.neutralize_main):
// the offset of the first line matching ^if\s+__name__\s*==\s*.__main__.\s*:
// (`.` any byte but a newline, \s may span lines), or nullopt.
std::optional<std::size_t> main_guard(std::string_view source);

class Planner {
public:
    Planner(const ModuleSource& source, const LoadedModules& loaded, PlannerOptions opt = {});
    ~Planner();
    Planner(const Planner&) = delete;
    Planner& operator=(const Planner&) = delete;
    // What modules bind names to, for a scan of a module that imports them (the
    // simulated child reads module bodies with it too). Valid while the planner is.
    const ExportLookup* export_lookup() const noexcept { return &export_lookup_; }

    // _build_tuple: the (cached) tuple for one name; negative when unservable.
    // nullptr where the reference raises (blacklisted name, or a related-module
    // scan that hits a namespace package): nothing is cached then, and plan()
    // answers with a negative tuple that is not recorded as sent.
    std::shared_ptr<const ModuleTuple> tuple(const std::string& fullname);
    std::shared_ptr<const ModuleTuple> negative(const std::string& fullname) const;

    // find_related_imports / find_related (cached, sorted); nullopt where the
    // reference raises.
    std::optional<std::vector<std::string>> related_imports(const std::string& fullname);
    std::optional<std::vector<std::string>> related(const std::string& fullname);

    // _on_get_module + _send_module_and_related: the tuples to send, in order.
    // `sent` is the stream's sent_modules; names sent are added to it. A duplicate
    // request (name already in `sent`) plans nothing.
    std::vector<std::shared_ptr<const ModuleTuple>> plan(const std::string& fullname,
                                                         std::set<std::string>& sent);

    // `import name` run by the master's own program before it serves anything:
    // the module and what its module-level code imports count as loaded from then
    // on. False when the import would fail.
    bool import_into_master(const std::string& name) { return import_module(name) != Outcome::raised; }

    bool blacklisted(std::string_view fullname) const;
    static std::set<std::string> initial_sent_modules() { return {"mitogen", "mitogen.core"}; }

private:
    std::string resolve_relpath(std::string fullname, int level, bool is_pkg) const;
    // The reference looks sources up with pkgutil.find_loader, which imports the
    // parent packages of a dotted name into the master (even when the name itself is
    // then not found): from then on they count as loaded.
    void import_parents(std::string_view fullname);
    // What an import did: `raised` is an ImportError the planner is sure of (the
    // module's code raised, or the name is nowhere on sys.path or in its package's
    // directory); `unknown` a name below a plain module, which code the planner does
    // not run may still provide (six.moves).
    enum class Outcome : std::uint8_t { ok, raised, unknown };
    // Imports `name` (parents first) into the model of the master's sys.modules and
    // runs its module-level imports.
    Outcome import_module(const std::string& name);
    // The rest of importing `name` once its source is found (its parent is imported);
    // false when its module-level code raises (it is then not loaded).
    bool import_found(const std::string& name, const FoundModule& found);
    bool run_imports(const std::string& name, const FoundModule& found);
    bool is_loaded(std::string_view name) const;
    // source_.find, with a module the model has put in place of another (distutils for
    // setuptools._distutils) found as that one; its submodules in its directory.
    std::optional<FoundModule> find(std::string_view name) const;
    bool distutils_shim();
    bool copy_into_packages(const std::string& name, std::string_view source);
    // Whether the module-level code of `module`, run to its end, binds `name` by an
    // import or a plain assignment (scanned once per module).
    bool binds_name(const std::string& module, const std::string& name);
    // Whether `module` surely has no attribute `name` (no submodule of that name
    // either, which the caller checks): its source never spells it and binds nothing
    // it does not spell.
    bool lacks_name(const std::string& module, const std::string& name);
    // What `module`, once run, has `name` bound to where a test reads it (ExportLookup):
    // from its source's constants, read once per module; nothing for a module whose
    // reading is under way (imports in a cycle).
    std::optional<ExportedName> exported(std::string_view module, std::string_view name);
    ModuleFacts facts_of(std::string_view name, std::string_view package) const {
        return ModuleFacts{name, package, &export_lookup_};
    }
    bool is_stdlib(std::string_view name) const;

    const ModuleSource& source_;
    const LoadedModules& loaded_;
    PlannerOptions opt_;
    std::map<std::string, std::shared_ptr<const ModuleTuple>, std::less<>> tuples_;
    std::map<std::string, std::vector<std::string>, std::less<>> related_imports_;
    // related(): every name it has walked, numbered; each one's related_imports by
    // number once read; the walk that last reached it; its place in text order
    // (ranked again once names were added), for sorting a walk's names.
    std::uint32_t name_id(const std::string& name);
    std::unordered_map<std::string, std::uint32_t> ids_;
    std::vector<const std::string*> names_;
    std::vector<std::optional<std::vector<std::uint32_t>>> edges_;
    std::vector<std::uint32_t> visited_;
    std::uint32_t walk_ = 0;
    std::vector<std::uint32_t> rank_; // each numbered name's place in text order
    enum class Imported : std::uint8_t { served, stdlib, no_file };
    bool file_is_none(std::string_view name) const;
    std::map<std::string, Imported, std::less<>> imported_; // imported while answering
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> bound_names_;
    std::set<std::string, std::less<>> running_; // modules whose code the model is running
    // lacks_name(): per module, its source where spells_every_binding() holds (few,
    // and small), else none.
    std::map<std::string, std::optional<std::string>, std::less<>> spelled_sources_;
    // Packages one of whose modules installs an import hook for the package's names
    // when it runs (tlz._build_tlz puts a finder for tlz.* on sys.meta_path and fills
    // tlz's namespace from toolz): a submodule missing from their directories may
    // still import, and a name their text lacks may still be bound.
    std::set<std::string, std::less<>> hooked_;
    bool in_hooked_package(std::string_view name) const;
    struct ModuleExports; // a module's source and the constants read from it
    std::map<std::string, std::unique_ptr<ModuleExports>, std::less<>> exports_;
    ExportLookup export_lookup_ = [this](std::string_view module, std::string_view name) { return exported(module, name); };
    std::map<std::string, std::string, std::less<>> redirects_; // name -> the module in its place
    std::map<std::string, std::string, std::less<>> copied_;    // sys.modules alias -> the module's own name
};

} // namespace mitokit::modules
