// A ModuleSource over real directory trees (the `--path` entries of a master's
// sys.path), found the way CPython's FileFinder and pkgutil find them, and a
// LoadedModules read from a file. These do the I/O the planner leaves to its caller.
#pragma once

#include <map>
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
    std::optional<std::string> cffi_module_name(std::string_view path, std::string_view fullname) const override;

private:
    // Where the last part of `fullname` is looked for: sys.path for a top-level
    // name, its parent package's directory otherwise (none when the parent is a
    // module); nullopt when the parent is not found.
    std::optional<std::vector<std::string>> leaf_dirs(std::string_view fullname) const;
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
// An optional third field is the module's own source file (its __file__, .pyc
// turned into .py, when its __name__ is the name it is loaded under), or "-" for
// none: import hooks (setuptools' distutils, pkg_resources.extern) load modules
// from files no directory lookup finds, and the reference serves those files.
// An optional fourth field "getsource" says the reference reads that file through
// sys.modules and inspect.getsource (the hook's loader gives pkgutil no file name),
// which ends it with a newline and turns an empty package __init__ into "\n".
class LoadedFile final : public modules::LoadedModules {
public:
    static Result<LoadedFile> read(const std::string& file, const modules::ModuleSource& source);
    bool loaded(std::string_view name) const override;
    bool stdlib(std::string_view name) const override;
    bool file_is_none(std::string_view name) const override;
    std::vector<std::string> loaded_under(std::string_view package) const override {
        return modules::names_under(loaded_, package);
    }
    // The third field for `name`: nullptr when the line had none.
    const std::string* source_file(std::string_view name) const;
    // The fourth field: the file is read as inspect.getsource reads it.
    bool read_by_getsource(std::string_view name) const;

private:
    using Names = std::set<std::string, std::less<>>;
    using Files = std::map<std::string, std::string, std::less<>>;
    LoadedFile(Names loaded, Names stdlib, Names nofile, Files files, Names getsource)
        : loaded_(std::move(loaded)), stdlib_(std::move(stdlib)), nofile_(std::move(nofile)), files_(std::move(files)),
          getsource_(std::move(getsource)) {}
    Names loaded_, stdlib_, nofile_;
    Files files_;
    Names getsource_;
};

// Finds a loaded module in the file its LoadedFile line names, when it names one,
// and everything else in `dirs`.
class LoadedFirstSource final : public modules::ModuleSource {
public:
    LoadedFirstSource(const DirectorySource& dirs, const LoadedFile& loaded) : dirs_(dirs), loaded_(loaded) {}
    std::optional<modules::FoundModule> find(std::string_view fullname) const override;
    bool is_stdlib_path(std::string_view path) const override { return dirs_.is_stdlib_path(path); }
    std::optional<std::string> extension_path(std::string_view n) const override { return dirs_.extension_path(n); }
    bool is_namespace_package(std::string_view n) const override { return dirs_.is_namespace_package(n); }
    std::optional<std::string> cffi_module_name(std::string_view path, std::string_view fullname) const override {
        return dirs_.cffi_module_name(path, fullname);
    }

private:
    const DirectorySource& dirs_;
    const LoadedFile& loaded_;
};

} // namespace mitokit::sim
