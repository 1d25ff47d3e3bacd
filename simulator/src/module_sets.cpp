#include "mitokit/sim/module_sets.hpp"

#include <algorithm>

#include "mitokit/sim/scheduler.hpp"
#include "modules/builtin_modules.hpp"

namespace mitokit::sim {

namespace {

// A fresh child's sys.modules (router.local(), python3.11 with site), standard
// library only: what the interpreter, site and mitogen.core's bootstrap import.
const char* const CHILD_BOOT[] = {
    "_abc", "_ast", "_codecs", "_collections", "_collections_abc", "_compat_pickle", "_frozen_importlib",
    "_frozen_importlib_external", "_functools", "_imp", "_io", "_lsprof", "_opcode", "_operator", "_pickle",
    "_signal", "_sitebuiltins", "_socket", "_sre", "_stat", "_string", "_struct", "_thread", "_typing",
    "_warnings", "_weakref", "_weakrefset", "abc", "array", "ast", "atexit", "binascii", "builtins", "cProfile",
    "codecs", "collections", "collections.abc", "contextlib", "copy", "copyreg", "dataclasses", "dis", "encodings",
    "encodings.aliases", "encodings.latin_1", "encodings.utf_8", "enum", "errno", "fcntl", "functools",
    "genericpath", "importlib", "importlib._abc", "importlib._bootstrap", "importlib._bootstrap_external",
    "importlib.machinery", "importlib.util", "inspect", "io", "itertools", "keyword", "linecache", "logging",
    "marshal", "math", "opcode", "operator", "os", "os.path", "pickle", "posix", "posixpath", "profile", "pstats",
    "re", "re._casefix", "re._compiler", "re._constants", "re._parser", "reprlib", "select", "selectors", "signal",
    "site", "sitecustomize", "socket", "stat", "string", "struct", "sys", "syslog", "textwrap", "threading", "time", "token",
    "tokenize", "traceback", "types", "typing", "typing.io", "typing.re", "warnings", "weakref", "zipimport", "zlib",
};

} // namespace

bool is_builtin_module(std::string_view name) { return modules::is_builtin_module(name); }

bool in_child_boot(std::string_view name) {
    return std::binary_search(std::begin(CHILD_BOOT), std::end(CHILD_BOOT), name,
                              [](std::string_view a, std::string_view b) { return a < b; });
}

const SourceLoaded::Info& SourceLoaded::info(std::string_view name) const {
    auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    Info i{false, false};
    if (is_builtin_module(name)) {
        i = {true, true};
    } else if (auto f = src_.find(name)) {
        i = {true, src_.is_stdlib_path(f->path)};
    }
    return cache_.emplace(std::string(name), i).first->second;
}

bool SourceLoaded::loaded(std::string_view name) const {
    const Info& i = info(name);
    return i.found && (has_ == Has::everything || i.stdlib);
}
bool SourceLoaded::stdlib(std::string_view name) const { return info(name).stdlib; }

std::unique_ptr<modules::MemorySource> synthetic_modules(const SyntheticParams& p, std::vector<std::string>* names) {
    auto src = std::make_unique<modules::MemorySource>();
    Rng rng(p.seed);
    std::vector<std::string> all;
    for (std::uint32_t k = 0; k < p.packages; ++k)
        for (std::uint32_t m = 0; m < p.modules_per_package; ++m)
            all.push_back("synpkg" + std::to_string(k) + ".mod" + std::to_string(m));
    for (std::uint32_t k = 0; k < p.packages; ++k) {
        const std::string pkg = "synpkg" + std::to_string(k);
        src->add(pkg, "import os\nVERSION = " + std::to_string(k) + "\n", true);
    }
    const std::string pad = "# " + std::string(p.source_bytes > 4 ? p.source_bytes - 4 : 0, 'x') + "\n";
    for (const auto& name : all) {
        std::string s = "import os\nimport sys\n";
        for (std::uint32_t i = 0; i < p.imports_per_module && !all.empty(); ++i) {
            const auto& other = all[rng.below(all.size())];
            if (other != name) s += "import " + other + "\n";
        }
        s += "def f():\n    import json\n    return 1\n" + pad;
        src->add(name, std::move(s));
    }
    src->add("os", "", false, true);
    src->add("sys", "", false, true);
    src->add("json", "", true, true);
    if (names) *names = all;
    return src;
}

} // namespace mitokit::sim
