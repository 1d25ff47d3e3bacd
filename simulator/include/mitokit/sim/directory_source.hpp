// A ModuleSource over real directory trees (the `--path` entries of a master's
// sys.path), found the way CPython's FileFinder and pkgutil find them, and a
// LoadedModules read from a file. These do the I/O the planner leaves to its caller.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mitokit/result.hpp"
#include "modules/module_source.hpp"

namespace mitokit::sim {

class DirectorySource final : public modules::ModuleSource {
public:
    // `dirs` in sys.path order; `stdlib_dirs` are the reference's _stdlib_paths.
    DirectorySource(std::vector<std::string> dirs,
                    std::vector<std::string> stdlib_dirs = {"/usr/lib/python3.11"});
    std::optional<modules::FoundModule> find(std::string_view fullname) const override;
    bool is_stdlib_path(std::string_view path) const override;
    std::optional<std::string> extension_path(std::string_view fullname) const override;
    bool is_namespace_package(std::string_view fullname) const override;

private:
    std::vector<std::string> namespace_portions(std::string_view fullname) const;
    std::vector<std::string> dirs_;
    std::vector<std::string> stdlib_;
};

// pkgutil.iter_modules([dir]): sorted names of the modules and packages directly in dir.
std::vector<std::string> iter_modules(const std::string& dir);

// importlib's decode_source: honour a BOM or a latin-1 coding cookie and turn
// \r\n and \r into \n; the result is UTF-8.
std::string decode_python_source(std::string raw);

// The master's sys.modules as a file: one name per line, optionally followed by a
// tab and a mark: "stdlib" (the master's is_stdlib_name is true), "nofile" (its
// __file__ is None, so is_stdlib_name raises) or "-". An unmarked name is taken as
// stdlib when `source` cannot find it (it lives outside the served directories).
class LoadedFile final : public modules::LoadedModules {
public:
    static Result<LoadedFile> read(const std::string& file, const modules::ModuleSource& source);
    bool loaded(std::string_view name) const override;
    bool stdlib(std::string_view name) const override;
    bool file_is_none(std::string_view name) const override;

private:
    using Names = std::set<std::string, std::less<>>;
    LoadedFile(Names loaded, Names stdlib, Names nofile)
        : loaded_(std::move(loaded)), stdlib_(std::move(stdlib)), nofile_(std::move(nofile)) {}
    Names loaded_, stdlib_, nofile_;
};

} // namespace mitokit::sim
