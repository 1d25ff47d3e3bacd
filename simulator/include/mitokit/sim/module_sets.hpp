// Module sets a simulated master can serve: a real tree on disk (the installed
// mitogen package by default) or a synthetic module graph from parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mitokit/sim/directory_source.hpp"
#include "modules/memory_source.hpp"

namespace mitokit::sim {

// sys.builtin_module_names of CPython 3.11 (Debian): on every child, never fetched.
bool is_builtin_module(std::string_view name);
// The standard library modules in a fresh mitogen child's sys.modules on Debian 12's
// python3.11 (simulator/tests/scripts/child_boot_modules.py prints them): a child
// imports these without running them; any other stdlib module it runs, and what that
// imports may be a request to its parent (ntpath's `from nt import ...`).
bool in_child_boot(std::string_view name);

// What a master has imported before it serves anything. Everything: loaded =
// findable under the search path (a synthetic set's master). Stdlib only: the
// standard library and built-ins, with the program's own imports then run by the
// ModuleCatalog's model of the master (ModuleCatalog::master_import), as a real
// master's sys.modules holds only what its program imported. stdlib = found under
// a stdlib directory, or built in.
class SourceLoaded final : public modules::LoadedModules {
public:
    enum class Has { everything, stdlib_only };
    explicit SourceLoaded(const modules::ModuleSource& s, Has has = Has::everything) : src_(s), has_(has) {}
    bool loaded(std::string_view name) const override;
    bool stdlib(std::string_view name) const override;

private:
    struct Info { bool found; bool stdlib; };
    const Info& info(std::string_view name) const;
    const modules::ModuleSource& src_;
    Has has_;
    mutable std::map<std::string, Info, std::less<>> cache_;
};

// The most modules a synthetic set may hold (packages x (modules per package + 1)).
// Each module imports a few others drawn from the whole set, so nearly every module
// reaches every other, and the responder's `related` list of each holds nearly the
// whole set, as the reference's find_related would: the LOAD_MODULE bytes (and the
// time to build, send and decode them) grow with the square of this number. 2,000
// modules are about 4 million related names, 4-6 s and 0.6 GB for `--levels 2,2`
// on the development VM.
inline constexpr std::uint32_t MAX_SYNTHETIC_MODULES = 2000;

struct SyntheticParams {
    std::uint64_t seed = 1;
    std::uint32_t packages = 4;
    std::uint32_t modules_per_package = 8;
    std::uint32_t imports_per_module = 3;
    std::uint32_t source_bytes = 4000; // padding per module, for realistic sizes
};

// Packages synpkg0..N-1 with submodules modK; each module imports a few others
// (seeded) and some stdlib. Returns the source and the names of every module.
std::unique_ptr<modules::MemorySource> synthetic_modules(const SyntheticParams& p, std::vector<std::string>* names);

} // namespace mitokit::sim
