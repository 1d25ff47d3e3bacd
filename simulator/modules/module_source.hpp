// What the module planner needs to know about the master's modules, as an
// interface: the planner never touches the file system (a DirectorySource reads
// real trees; a SyntheticSource generates a module graph from parameters).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::modules {

// A module whose source the master can serve (mitogen's ModuleFinder result).
struct FoundModule {
    std::string path;                     // as the master reports it (e.g. /usr/lib/python3/dist-packages/six.py)
    std::string source;                   // UTF-8 text as the loader's get_source() gives it (newlines normalised)
    bool is_pkg = false;
    std::vector<std::string> pkg_present; // packages only: sorted names of direct submodules (pkgutil.iter_modules)
};

class ModuleSource {
public:
    virtual ~ModuleSource() = default;
    // The module's source, or nullopt when the master finds none (negative reply).
    virtual std::optional<FoundModule> find(std::string_view fullname) const = 0;
    // True when the master would refuse `fullname` as standard library
    // (mitogen.master.is_stdlib_path of its file).
    virtual bool is_stdlib_path(std::string_view path) const = 0;
    // The file of a module the master can import but not serve (a C extension):
    // importing it succeeds, so it enters sys.modules; nullopt otherwise.
    virtual std::optional<std::string> extension_path(std::string_view) const { return std::nullopt; }
    // True for a PEP 420 namespace package: importable, with no source and a
    // __file__ of None.
    virtual bool is_namespace_package(std::string_view) const { return false; }
};

// The master's sys.modules: which names are imported (non-None) and which of those
// are standard library (mitogen.master.is_stdlib_name).
class LoadedModules {
public:
    virtual ~LoadedModules() = default;
    virtual bool loaded(std::string_view name) const = 0;
    virtual bool stdlib(std::string_view name) const = 0;
    // True when the module's __file__ is None (a namespace package): the
    // reference's is_stdlib_name then raises TypeError, which fails the whole
    // related-module computation it is part of.
    virtual bool file_is_none(std::string_view) const { return false; }
};

// A master that has imported everything `source` can serve: what `modules plan`
// assumes without --loaded, and what the conformance reference master does.
class EverythingLoaded final : public LoadedModules {
public:
    explicit EverythingLoaded(const ModuleSource& source) : source_(source) {}
    bool loaded(std::string_view name) const override { return source_.find(name).has_value(); }
    bool stdlib(std::string_view) const override { return false; }

private:
    const ModuleSource& source_;
};

} // namespace mitokit::modules
