#include "planner.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <optional>
#include <string>

#include "builtin_modules.hpp"
#include "logical_lines.hpp"
#include "minify.hpp"
#include "run_conditions.hpp"

namespace mitokit::modules {

namespace {

// Python's bytes-regex \s.
bool re_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Source that installs an import hook (sys.meta_path, sys.path_hooks) for names in
// its package, which it spells as a string (tlz._build_tlz: `if package == 'tlz':`);
// a vendored six's hook serves six.moves, not its package (pip._vendor).
bool hooks_package(std::string_view source, std::string_view package) {
    if (package.empty() ||
        (source.find("meta_path") == std::string_view::npos && source.find("path_hooks") == std::string_view::npos))
        return false;
    const std::string_view last = package.substr(package.rfind('.') + 1);
    for (const char q : {'\'', '"'})
        if (source.find(std::string(1, q) + std::string(last) + q) != std::string_view::npos) return true;
    return false;
}

// Source that can make a module importable with no file of its own: an import hook
// or an entry put into sys.modules.
bool provides_modules(std::string_view source) {
    for (const std::string_view marker : {"meta_path", "path_hooks", "sys.modules[", "sys.modules.update", "sys.modules.setdefault"})
        if (source.find(marker) != std::string_view::npos) return true;
    return false;
}

// Whether a module whose source is this binds no name its text does not spell: no
// star import, globals(), setattr(), module __getattr__, exec, __dict__, entry put
// into sys.modules... Text matches only: any doubt says no. Such a module surely
// lacks an attribute its text never spells (partd.python's `from pandas import
// msgpack` would then raise ImportError and run its except clause; pandas has a
// module __getattr__).
bool spells_every_binding(std::string_view source) {
    for (const std::string_view marker : {"*", "globals", "locals", "setattr", "vars(", "exec", "__dict__", "__getattr__",
                                          "modules", "__builtins__", "import_module", "__import__"})
        if (source.find(marker) != std::string_view::npos) return false;
    return true;
}

// Whether a module's top level sets `__path__`, as lark.load_grammar does (for
// finding its grammar files): once loaded it has the attribute resolve_relpath takes
// for a package's.
bool sets_path(std::string_view source) {
    if (source.find("__path__") == std::string_view::npos) return false;
    for (const detail::Line& l : detail::logical_lines(source))
        if (l.indent == 0 && l.toks.size() > 2 && detail::is(l.toks[0], "__path__") && detail::is(l.toks[1], "=") &&
            !detail::is(l.toks[2], "="))
            return true;
    return false;
}

// six.moves (and vendored copies: pip._vendor.six.moves, urllib3.packages.six.moves)
// is a lazy module: a from-import of one of its names imports the module it stands
// for. Where that fails on the master (Linux, Python 3), the module it names, to be
// imported in the model (empty: the name is not defined on Linux at all); nullopt
// for the names whose targets every master has.
bool is_six_moves(std::string_view module) {
    return module == "six.moves" || (module.size() > 10 && module.substr(module.size() - 10) == ".six.moves");
}

std::optional<std::string> six_moves_target(std::string_view module, std::string_view item) {
    if (!is_six_moves(module)) return std::nullopt;
    if (item == "winreg") return std::string(); // six defines it only where sys.platform == "win32"
    if (item == "tkinter" || item.starts_with("tkinter_")) return std::string("tkinter");
    if (item == "dbm_gnu") return std::string("dbm.gnu");
    return std::nullopt;
}

} // namespace

// The offset of the first match of the reference's MAIN_RE,
// rb'^if\s+__name__\s*==\s*.__main__.\s*:' with re.M (`.` is one byte but a newline).
std::optional<std::size_t> main_guard(std::string_view src) {
    const auto at = [&](std::size_t i, std::string_view w) { return src.substr(i, w.size()) == w; };
    const auto spaces = [&](std::size_t i) {
        while (i < src.size() && re_space(src[i])) ++i;
        return i;
    };
    const auto dot = [&](std::size_t i) { return i < src.size() && src[i] != '\n'; };
    // From just after "__main__": `.\s*:` (\s* never has to give back: ':' is not a space).
    const auto tail = [&](std::size_t i) { return dot(i) && at(spaces(i + 1), ":"); };
    for (std::size_t line = 0; line < src.size();) {
        std::size_t i = line;
        if (at(i, "if") && spaces(i + 2) > i + 2) {
            i = spaces(i + 2);
            if (at(i, "__name__") && at(spaces(i + 8), "==")) {
                // `\s*.` may give back spaces: `.` can itself be a space or a tab.
                const std::size_t from = spaces(i + 8) + 2;
                for (std::size_t k = spaces(from) + 1; k-- > from;)
                    if (dot(k) && at(k + 1, "__main__") && tail(k + 9)) return line;
            }
        }
        const auto nl = src.find('\n', line);
        if (nl == std::string_view::npos) break;
        line = nl + 1;
    }
    return std::nullopt;
}

struct Planner::ModuleExports {
    std::string source;
    std::vector<detail::Line> lines;        // views into source
    std::optional<detail::ConstNames> consts; // none while being read
};

Planner::~Planner() = default;

std::optional<ExportedName> Planner::exported(std::string_view module, std::string_view name) {
    auto it = exports_.find(module);
    if (it == exports_.end()) {
        // In the map before it is read: a lookup of it from a module it imports finds no constants.
        it = exports_.emplace(std::string(module), std::make_unique<ModuleExports>()).first;
        ModuleExports& e = *it->second;
        if (auto found = find(module)) {
            e.source = std::move(found->source);
            e.lines = detail::logical_lines(e.source);
            const ModuleFacts facts = facts_of(module, package_of(module, found->is_pkg)); // read only while the constants are
            e.consts.emplace(e.lines, &facts);
        }
    }
    const ModuleExports& e = *it->second;
    return e.consts ? e.consts->exported(name) : std::nullopt;
}

Planner::Planner(const ModuleSource& source, const LoadedModules& loaded, PlannerOptions opt)
    : source_(source), loaded_(loaded), opt_(std::move(opt)) {}

bool Planner::blacklisted(std::string_view fullname) const {
    const auto starts = [&](const std::string& p) { return fullname.substr(0, p.size()) == p; };
    return std::none_of(opt_.whitelist.begin(), opt_.whitelist.end(), starts) ||
           std::any_of(opt_.blacklist.begin(), opt_.blacklist.end(), starts);
}

void Planner::import_parents(std::string_view fullname) {
    for (auto dot = fullname.find('.'); dot != std::string_view::npos; dot = fullname.find('.', dot + 1))
        if (import_module(std::string(fullname.substr(0, dot))) != Outcome::ok) return; // nothing below it is imported
}

std::optional<FoundModule> Planner::find(std::string_view name) const {
    for (const auto& [alias, target] : redirects_) {
        if (name.substr(0, alias.size()) != alias || (name.size() > alias.size() && name[alias.size()] != '.')) continue;
        return source_.find(target + std::string(name.substr(alias.size())));
    }
    return source_.find(name);
}

// The shim setuptools' distutils-precedence.pth installs at startup (_distutils_hack in
// sys.modules; SETUPTOOLS_USE_DISTUTILS is unset): a first `import distutils` imports
// setuptools._distutils (setuptools first) and puts it in sys.modules as distutils too,
// so distutils and its submodules come from setuptools/_distutils and are no stdlib.
// Where that import fails, the shim steps aside for the standard library's.
bool Planner::distutils_shim() {
    if (redirects_.count("distutils") || !is_loaded("_distutils_hack") || is_loaded("distutils")) return false;
    if (import_module("setuptools._distutils") != Outcome::ok) return false;
    if (is_loaded("distutils")) return true; // setuptools' own code imported it through the shim
    redirects_.emplace("distutils", "setuptools._distutils");
    imported_.emplace("distutils", is_stdlib("setuptools._distutils") ? Imported::stdlib : Imported::served);
    return true;
}

Planner::Outcome Planner::import_module(const std::string& name) {
    if (is_loaded(name)) return Outcome::ok;
    if (name == "distutils" && distutils_shim()) return Outcome::ok;
    const auto dot = name.rfind('.');
    if (dot != std::string::npos) {
        if (const Outcome parent = import_module(name.substr(0, dot)); parent != Outcome::ok) return parent;
    }
    if (is_loaded(name)) return Outcome::ok; // the parent's code imported it
    const auto found = find(name);
    if (!found) {
        // Imported without source to scan: a C extension, or a namespace package
        // (whose __file__ of None makes the reference's is_stdlib_name raise).
        if (const auto ext = source_.extension_path(name)) {
            const bool stdlib = source_.is_stdlib_path(*ext);
            imported_.emplace(name, stdlib ? Imported::stdlib : Imported::served);
            if (const auto cffi = stdlib ? std::nullopt : source_.cffi_module_name(*ext, name)) {
                imported_.emplace(*cffi, Imported::served);
                imported_.emplace(*cffi + ".lib", Imported::served);
            }
        } else if (source_.is_namespace_package(name)) {
            imported_.emplace(name, Imported::no_file);
        } else if (dot == std::string::npos && is_builtin_module(name)) {
            imported_.emplace(name, Imported::stdlib);
        } else {
            // A top-level name found nowhere on sys.path is surely missing, and so is a
            // submodule missing from a package's directory, unless the package installs an
            // import hook or fills sys.modules itself (pkg_resources.extern's vendored
            // modules, requests.packages); below a plain module (six.moves) it may be put in
            // sys.modules by code the planner does not run.
            if (dot == std::string::npos) return Outcome::raised;
            const auto parent = find(name.substr(0, dot));
            return parent && parent->is_pkg && !provides_modules(parent->source) && !in_hooked_package(name)
                       ? Outcome::raised
                       : Outcome::unknown;
        }
        return Outcome::ok;
    }
    return import_found(name, *found) ? Outcome::ok : Outcome::raised;
}

bool Planner::import_found(const std::string& name, const FoundModule& found) {
    const bool stdlib = source_.is_stdlib_path(found.path);
    imported_.emplace(name, stdlib ? Imported::stdlib : Imported::served); // before its code runs, as in CPython
    if (stdlib) return true; // stdlib code imports nothing that is served
    if (const std::string_view package = package_of(name, found.is_pkg); hooks_package(found.source, package))
        hooked_.insert(std::string(package));
    running_.insert(name);
    const bool ran = run_imports(name, found) && copy_into_packages(name, found.source);
    running_.erase(name);
    if (ran) return true;
    imported_.erase(name); // a module whose code raised leaves sys.modules (what it imported stays)
    return false;
}

// Importing a module runs its module-level code, whose import statements import
// their targets (a from-import also imports each listed name that is a submodule).
// Modelled as if every such statement ran except in the branches the scanner knows
// do not (scan_executed_imports), and an except clause's only where its try body's
// import surely failed (bs4.dammit falls back from cchardet to chardet). A failed import raises in
// the importing module where the statement is unguarded (ImportRef::unguarded) and
// the failure is certain (Outcome::raised), or where its try re-raises
// (ImportRef::reraised); otherwise it is taken as caught. These imports run on the
// master's broker thread, so an unguarded main_thread_call fails the module too.
bool Planner::run_imports(const std::string& name, const FoundModule& found) {
    const std::string package(package_of(name, found.is_pkg));
    const auto propagates = [](const ImportRef& ref, Outcome r) {
        return r != Outcome::ok && (ref.reraised || (ref.unguarded && r == Outcome::raised));
    };
    TryFailures tries; // try statements whose body raised an ImportError it catches
    // A caught failure: the rest of the innermost try body is skipped and its handler runs.
    const auto caught = [&](const ImportRef& ref, Outcome r) {
        if (r == Outcome::raised) tries.raised(ref.tries, false); // not sure it failed: taken as imported
    };
    const ModuleFacts facts = facts_of(name, package);
    // What the module's names refer to, for a module that replaces itself in
    // sys.modules (ImportRef::Kind::replace_self): the module it names, or unknown.
    std::unordered_map<std::string, std::string> refers;
    std::optional<std::string> replacement;
    // A module that does not compile raises SyntaxError when imported (taken as a
    // sure failure, like an ImportError).
    const auto refs = checked_scan_executed_imports(found.source, &facts);
    if (!refs) return false;
    for (const ImportRef& ref : *refs) {
        if (!tries.runs(ref.tries)) continue;
        if (ref.kind == ImportRef::Kind::assign) {
            const auto it = refers.find(ref.module);
            std::optional<std::string> value = it == refers.end() ? std::nullopt : std::optional<std::string>(it->second);
            if (value) refers[ref.binds.at(0)] = std::move(*value);
            else refers.erase(ref.binds.at(0));
            continue;
        }
        if (ref.kind == ImportRef::Kind::main_thread_call) {
            // The planner's imports run on the broker thread: a ValueError nothing catches.
            if (ref.unguarded) return false;
            continue;
        }
        if (ref.kind == ImportRef::Kind::replace_self) {
            const auto it = refers.find(ref.module);
            replacement = it == refers.end() ? std::string() : it->second;
            continue;
        }
        for (const auto& b : ref.binds) refers.erase(b);
        const std::string target = imported_module(package, ref); // empty: an ImportError
        Outcome r = target.empty() ? Outcome::raised : import_module(target);
        if (r == Outcome::unknown && is_six_moves(target)) {
            // Its six imported: six's own import hook puts six.moves in sys.modules (a
            // module with no __file__, which is_stdlib_name takes as not stdlib).
            imported_.emplace(target, Imported::served);
            r = Outcome::ok;
        }
        if (r != Outcome::ok) {
            if (propagates(ref, r)) return false;
            caught(ref, r);
            continue;
        }
        if (ref.fromlist.empty() && ref.binds.size() == 1) {
            // `import a.b` binds a; `import a.b as x` binds x to a.b.
            const std::string top = target.substr(0, target.find('.'));
            refers[ref.binds[0]] = ref.binds[0] == top ? top : target;
        }
        for (std::size_t k = 0; k < ref.fromlist.size(); ++k) {
            const std::string& item = ref.fromlist[k];
            if (item == "*") continue;
            const std::string* bound = k < ref.binds.size() ? &ref.binds[k] : nullptr;
            // A module in sys.modules under another name (requests.packages.urllib3) imports
            // its submodules under its own __name__ (urllib3.contrib.appengine).
            const auto alias = copied_.find(target);
            const std::string sub = (alias == copied_.end() ? target : alias->second) + "." + item;
            if (bound && is_loaded(sub)) refers[*bound] = sub;
            if (const auto moved = six_moves_target(target, item)) {
                const Outcome rm = moved->empty() ? Outcome::raised : import_module(*moved);
                if (propagates(ref, rm)) return false;
                caught(ref, rm);
                continue;
            }
            // A name that is no submodule is taken as an attribute of the module, and so is
            // one its own code (run to its end) binds: CPython imports a submodule for a
            // from-import only where the package lacks the name (numba's `import
            // numba.core.types as types` keeps `from numba import types` from importing
            // numba/types/).
            const bool loaded = is_loaded(sub);
            const bool file = !loaded && (find(sub) || source_.extension_path(sub));
            if (!loaded && !file && lacks_name(target, item)) {
                // "cannot import name": the statement stops at it.
                if (propagates(ref, Outcome::raised)) return false;
                caught(ref, Outcome::raised);
                break;
            }
            if (loaded || !file || binds_name(target, item)) continue;
            const Outcome rs = import_module(sub);
            if (propagates(ref, rs)) return false;
            caught(ref, rs);
            if (bound && rs == Outcome::ok) refers[*bound] = sub;
        }
    }
    // sys.modules now holds that other module under this name: is_stdlib_name looks at
    // its file (ansible.module_utils.compat.selectors becomes the standard library's).
    if (replacement && !replacement->empty() && *replacement != name && is_loaded(*replacement))
        imported_[name] = is_stdlib(*replacement) ? Imported::stdlib : Imported::served;
    return true;
}

// requests' `packages` module (and pip's vendored copy) imports urllib3 and idna (pip's
// also chardet) and puts every module of theirs already in sys.modules there again under
// its own name (requests.packages.urllib3.response is urllib3.response), in a loop the
// scanner cannot follow; requests' also names its chardet (or charset_normalizer)
// requests.packages.chardet. The packages come from the loop's tuple, the vendored
// prefix from `vendored_package = "PREFIX" + package`.
bool Planner::copy_into_packages(const std::string& name, std::string_view source) {
    constexpr std::string_view tail = "requests.packages";
    if (name.size() < tail.size() || name.compare(name.size() - tail.size(), tail.size(), tail) != 0 ||
        (name.size() > tail.size() && name[name.size() - tail.size() - 1] != '.'))
        return true;
    const auto loop = source.find("for package in (");
    if (loop == std::string_view::npos || source.find("sys.modules[") == std::string_view::npos) return true;
    const std::string_view tuple = source.substr(loop, source.find(')', loop) - loop);
    std::string prefix;
    constexpr std::string_view assign = "vendored_package = ";
    if (const auto v = source.find(assign); v != std::string_view::npos && v + assign.size() < source.size()) {
        const auto open = v + assign.size();
        const char q = source[open];
        const auto end = source.find(q, open + 1);
        if ((q == '"' || q == '\'') && end != std::string_view::npos) prefix = std::string(source.substr(open + 1, end - open - 1));
    }
    const auto all_loaded = [&](const std::string& package) {
        std::vector<std::string> out = loaded_.loaded_under(package);
        for (std::string& n : names_under(imported_, package)) out.push_back(std::move(n));
        return out;
    };
    const auto copy = [&](const std::string& from, const std::string& as) {
        if (is_loaded(as)) return;
        imported_.emplace(as, is_stdlib(from) ? Imported::stdlib : Imported::served);
        copied_.emplace(as, from);
    };
    for (std::size_t q = tuple.find_first_of("\"'"); q != std::string_view::npos; q = tuple.find_first_of("\"'", q)) {
        const auto end = tuple.find(tuple[q], q + 1);
        if (end == std::string_view::npos) break;
        const std::string package = prefix + std::string(tuple.substr(q + 1, end - q - 1));
        q = end + 1;
        if (import_module(package) != Outcome::ok) return false; // __import__ raises
        for (const std::string& mod : all_loaded(package)) copy(mod, name + "." + mod.substr(prefix.size()));
    }
    if (source.find("target = chardet.__name__") != std::string_view::npos) {
        for (const char* target : {"chardet", "charset_normalizer"}) {
            if (!is_loaded(target)) continue;
            const auto mods = all_loaded(target);
            if (!mods.empty()) copy(mods.back(), name + ".chardet");
            break;
        }
    }
    return true;
}

bool Planner::in_hooked_package(std::string_view name) const {
    return std::any_of(hooked_.begin(), hooked_.end(), [&](const std::string& p) {
        return name.size() >= p.size() && name.compare(0, p.size(), p) == 0 && (name.size() == p.size() || name[p.size()] == '.');
    });
}

bool Planner::lacks_name(const std::string& module, const std::string& name) {
    if (running_.count(module)) return false; // partly run: not its final namespace
    if (in_hooked_package(module)) return false; // tlz's hook fills tlz's namespace from toolz
    // Dunder names (__file__, __spec__, __path__...) are set by the import system.
    if (name.empty() || name.compare(0, 2, "__") == 0) return false;
    auto it = spelled_sources_.find(module);
    if (it == spelled_sources_.end()) { // read once per module, as binds_name() does
        std::optional<std::string> kept;
        if (auto found = find(module); found && spells_every_binding(found->source)) kept = std::move(found->source);
        it = spelled_sources_.emplace(module, std::move(kept)).first;
    }
    return it->second && it->second->find(name) == std::string::npos;
}

bool Planner::binds_name(const std::string& module, const std::string& name) {
    if (running_.count(module)) return false; // still running: its later bindings are not made yet
    auto it = bound_names_.find(module);
    if (it == bound_names_.end()) {
        std::set<std::string, std::less<>> names;
        if (const auto found = find(module)) {
            const ModuleFacts facts = facts_of(module, package_of(module, found->is_pkg));
            for (const ImportRef& ref : scan_executed_imports(found->source, &facts))
                if (ref.kind != ImportRef::Kind::replace_self) names.insert(ref.binds.begin(), ref.binds.end());
        }
        it = bound_names_.emplace(module, std::move(names)).first;
    }
    return it->second.count(name) != 0;
}

bool Planner::is_loaded(std::string_view name) const { return loaded_.loaded(name) || imported_.count(name) != 0; }

bool Planner::is_stdlib(std::string_view name) const {
    if (const auto it = imported_.find(name); it != imported_.end()) return it->second == Imported::stdlib;
    return loaded_.stdlib(name);
}

bool Planner::file_is_none(std::string_view name) const {
    if (const auto it = imported_.find(name); it != imported_.end()) return it->second == Imported::no_file;
    return loaded_.file_is_none(name);
}

std::shared_ptr<const ModuleTuple> Planner::negative(const std::string& fullname) const {
    auto t = std::make_shared<ModuleTuple>();
    t->fullname = fullname;
    return t;
}

std::shared_ptr<const ModuleTuple> Planner::tuple(const std::string& fullname) {
    if (auto it = tuples_.find(fullname); it != tuples_.end()) return it->second;
    if (blacklisted(fullname)) return nullptr;
    import_parents(fullname);
    auto found = find(fullname);
    if (!found || source_.is_stdlib_path(found->path)) {
        auto neg = negative(fullname);
        tuples_.emplace(fullname, neg);
        return neg;
    }
    if (has_minify_marker(found->source)) {
        // The reference minifies before anything else; where its tokenizer raises,
        // the request fails like any other exception in _build_tuple.
        auto minified = minimize_source(found->source);
        if (!minified) return nullptr;
        found->source = std::move(*minified);
    }
    if (fullname == "__main__") {
        // neutralize_main: a script is served up to its main guard; one with no
        // guard (and no mitogen.main() call) is refused, as an ImportError.
        if (const auto guard = main_guard(found->source)) found->source.resize(*guard);
        else if (found->source.find("mitogen.main(") == std::string::npos) return nullptr;
    }
    auto rel = related(fullname);
    if (!rel) return nullptr;
    auto t = std::make_shared<ModuleTuple>();
    t->fullname = fullname;
    if (found->is_pkg) t->pkg_present = found->pkg_present;
    t->path = found->path;
    t->source = std::move(found->source);
    for (auto& name : *rel)
        if (!blacklisted(name)) t->related.push_back(std::move(name));
    tuples_.emplace(fullname, t);
    return t;
}

std::string Planner::resolve_relpath(std::string fullname, int level, bool is_pkg) const {
    if (is_pkg) fullname += ".__init__";
    if (level == 0 || fullname.empty()) return {};
    std::vector<std::string_view> bits;
    std::string_view rest = fullname;
    for (;;) {
        const auto dot = rest.find('.');
        bits.push_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (bits.size() <= static_cast<std::size_t>(level)) return {};
    std::string out;
    for (std::size_t i = 0; i + level < bits.size(); ++i) {
        out.append(bits[i]);
        out.push_back('.');
    }
    return out;
}

std::optional<std::vector<std::string>> Planner::related_imports(const std::string& fullname) {
    if (auto it = related_imports_.find(fullname); it != related_imports_.end()) return it->second;
    std::vector<std::string> maybe;
    import_parents(fullname);
    const auto found = find(fullname);
    if (found) {
        for (auto dot = fullname.rfind('.'); dot != std::string::npos; dot = fullname.rfind('.', dot - 1)) {
            maybe.push_back(fullname.substr(0, dot));
            if (dot == 0) break;
        }
        // resolve_relpath asks sys.modules whether the scanned module has a __path__.
        const bool pkg = is_loaded(fullname) && (found->is_pkg || sets_path(found->source));
        // compile() raises SyntaxError (too many nested parentheses): so does
        // find_related_imports, and the request is answered negatively.
        const auto refs = checked_scan_imports(found->source);
        if (!refs) return std::nullopt;
        for (const ImportRef& ref : *refs) {
            const std::string mod = resolve_relpath(fullname, ref.level, pkg) + ref.module;
            maybe.push_back(mod);
            for (const auto& name : ref.fromlist) maybe.push_back(mod + "." + name);
        }
    }
    std::vector<std::string> keep;
    for (auto& name : maybe) {
        if (!is_loaded(name)) continue;
        if (file_is_none(name) && !is_stdlib(name)) return std::nullopt;
        if (!is_stdlib(name) && name.find("six.moves") == std::string::npos) keep.push_back(std::move(name));
    }
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    return related_imports_.emplace(fullname, std::move(keep)).first->second;
}

std::uint32_t Planner::name_id(const std::string& name) {
    const auto [it, fresh] = ids_.try_emplace(name, static_cast<std::uint32_t>(names_.size()));
    if (fresh) {
        names_.push_back(&it->first);
        edges_.emplace_back();
        visited_.push_back(0);
    }
    return it->second;
}

// find_related: a breadth-first walk over find_related_imports from `fullname`, in
// the reference's order (related_imports has side effects the first time it reads a
// name: the parents it imports). Names are walked as numbers, each name's edges kept
// once read, and marked per walk, so a walk costs what it reaches, not a set search
// per edge: a graph whose every module reaches every other (a synthetic set) still
// lists O(N) names per module, but no more than that.
std::optional<std::vector<std::string>> Planner::related(const std::string& fullname) {
    const std::uint32_t start = name_id(fullname);
    if (++walk_ == 0) { // the marks wrapped around: clear them
        std::fill(visited_.begin(), visited_.end(), 0);
        walk_ = 1;
    }
    visited_[start] = walk_;
    std::vector<std::uint32_t> reached;
    std::deque<std::uint32_t> queue{start};
    while (!queue.empty()) {
        const std::uint32_t id = queue.front();
        queue.pop_front();
        if (!edges_[id]) {
            const auto imports = related_imports(*names_[id]);
            if (!imports) return std::nullopt;
            std::vector<std::uint32_t> to;
            to.reserve(imports->size());
            for (const auto& r : *imports) to.push_back(name_id(r));
            edges_[id] = std::move(to);
        }
        for (const std::uint32_t r : *edges_[id]) {
            if (visited_[r] == walk_) continue;
            visited_[r] = walk_;
            reached.push_back(r);
            queue.push_back(r);
        }
    }
    if (rank_.size() != names_.size()) {
        // Names were added since the last ranking: rank them all by text again.
        std::vector<std::uint32_t> by_text(names_.size());
        for (std::uint32_t i = 0; i < by_text.size(); ++i) by_text[i] = i;
        std::sort(by_text.begin(), by_text.end(), [&](std::uint32_t a, std::uint32_t b) { return *names_[a] < *names_[b]; });
        rank_.assign(names_.size(), 0);
        for (std::uint32_t r = 0; r < by_text.size(); ++r) rank_[by_text[r]] = r;
    }
    std::sort(reached.begin(), reached.end(), [&](std::uint32_t a, std::uint32_t b) { return rank_[a] < rank_[b]; });
    std::vector<std::string> out;
    out.reserve(reached.size());
    for (const std::uint32_t id : reached) out.push_back(*names_[id]);
    return out;
}

std::vector<std::shared_ptr<const ModuleTuple>> Planner::plan(const std::string& fullname,
                                                              std::set<std::string>& sent) {
    std::vector<std::shared_ptr<const ModuleTuple>> out;
    if (sent.count(fullname)) return out; // duplicate request: the reference sends nothing
    // Where the reference raises, it answers negatively for `fullname` without
    // recording it as sent, after whatever related modules already went out.
    const auto failed = [&] {
        out.push_back(negative(fullname));
        return out;
    };
    const auto t = tuple(fullname);
    if (!t) return failed();
    for (const auto& name : t->related) {
        const std::string top = name.substr(0, name.find('.'));
        if (top != fullname && !sent.count(top)) continue;
        if (sent.count(name)) continue;
        auto r = tuple(name);
        if (!r) return failed();
        out.push_back(std::move(r));
        sent.insert(name);
    }
    if (sent.insert(fullname).second) out.push_back(t);
    return out;
}

} // namespace mitokit::modules
