// ModuleSource and LoadedModules held in memory: for tests and for the
// simulator's synthetic module graphs.
#pragma once

#include <map>
#include <set>

#include "module_source.hpp"

namespace mitokit::modules {

class MemorySource final : public ModuleSource, public LoadedModules {
public:
    // Adds a module; packages get pkg_present filled from their added submodules.
    void add(std::string fullname, std::string source, bool is_pkg = false, bool stdlib = false, bool loaded = true);
    // A name the master imported but cannot serve (e.g. a C extension outside stdlib).
    void add_unservable(std::string fullname) { loaded_.insert(std::move(fullname)); }

    std::optional<FoundModule> find(std::string_view fullname) const override;
    bool is_stdlib_path(std::string_view path) const override { return path.substr(0, 8) == "/stdlib/"; }
    bool loaded(std::string_view name) const override { return loaded_.count(name) != 0; }
    bool stdlib(std::string_view name) const override { return stdlib_.count(name) != 0; }
    std::vector<std::string> loaded_under(std::string_view package) const override;
    std::vector<std::string> names() const;

private:
    struct Entry { std::string source; bool is_pkg; bool stdlib; };
    std::map<std::string, Entry, std::less<>> mods_;
    std::set<std::string, std::less<>> loaded_, stdlib_;
};

} // namespace mitokit::modules
