#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/read_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace mitokit::sim {
namespace fs = std::filesystem;
namespace {

// importlib.machinery.all_suffixes() of CPython 3.11 on Debian amd64, longest first
// (inspect.getmodulename's order).
const char* const SUFFIXES[] = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".pyc", ".py", ".so"};
const char* const EXTENSION_SUFFIXES[] = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"};

std::optional<std::string> module_name(const std::string& fname) {
    for (const char* suf : SUFFIXES) {
        const std::string_view s(suf);
        if (fname.size() >= s.size() && fname.compare(fname.size() - s.size(), s.size(), s) == 0)
            return fname.substr(0, fname.size() - s.size());
    }
    return std::nullopt;
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}
bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

std::vector<std::string> list_sorted(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

bool has_init(const fs::path& dir) {
    for (const auto& fn : list_sorted(dir))
        if (module_name(fn) == "__init__") return true;
    return false;
}

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string latin1_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c < 0x80) out.push_back(static_cast<char>(c));
        else {
            out.push_back(static_cast<char>(0xc0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
        }
    }
    return out;
}

} // namespace

std::string decode_python_source(std::string raw) {
    if (raw.size() >= 3 && raw.compare(0, 3, "\xef\xbb\xbf") == 0) raw.erase(0, 3);
    else {
        // PEP 263: a coding cookie on one of the first two lines.
        static const std::regex cookie(R"(^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+))");
        std::size_t pos = 0;
        for (int line = 0; line < 2 && pos < raw.size(); ++line) {
            const auto end = raw.find('\n', pos);
            const std::string l = raw.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            std::smatch m;
            if (std::regex_search(l, m, cookie)) {
                std::string enc = m[1].str();
                std::transform(enc.begin(), enc.end(), enc.begin(), [](unsigned char c) {
                    return c == '_' ? '-' : static_cast<char>(std::tolower(c));
                });
                if (enc == "latin-1" || enc == "iso-8859-1" || enc == "iso-latin-1" || enc == "latin1" ||
                    enc.rfind("latin-1-", 0) == 0 || enc.rfind("iso-8859-1-", 0) == 0)
                    raw = latin1_to_utf8(raw);
                break;
            }
            // Only a blank or comment-only first line lets the second line carry the cookie.
            if (l.find_first_not_of(" \t\f\r") != std::string::npos && l[l.find_first_not_of(" \t\f\r")] != '#') break;
            if (end == std::string::npos) break;
            pos = end + 1;
        }
    }
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        } else {
            out.push_back(raw[i]);
        }
    }
    return out;
}

std::vector<std::string> iter_modules(const std::string& dir) {
    std::vector<std::string> out;
    std::set<std::string> yielded;
    for (const auto& fn : list_sorted(dir)) {
        auto name = module_name(fn);
        if (name == "__init__" || (name && yielded.count(*name))) continue;
        if (!name && is_dir(fs::path(dir) / fn) && fn.find('.') == std::string::npos) {
            if (!has_init(fs::path(dir) / fn)) continue;
            name = fn;
        }
        if (name && name->find('.') == std::string::npos) {
            yielded.insert(*name);
            out.push_back(*name);
        }
    }
    return out;
}

DirectorySource::DirectorySource(std::vector<std::string> dirs, std::vector<std::string> stdlib_dirs)
    : dirs_(std::move(dirs)), stdlib_(std::move(stdlib_dirs)) {}

bool DirectorySource::is_stdlib_path(std::string_view path) const {
    if (path.find("site-packages") != std::string_view::npos || path.find("dist-packages") != std::string_view::npos)
        return false;
    return std::any_of(stdlib_.begin(), stdlib_.end(),
                       [&](const std::string& lib) { return path.substr(0, lib.size()) == lib; });
}

std::optional<modules::FoundModule> DirectorySource::find(std::string_view fullname) const {
    std::vector<std::string> parts;
    for (std::size_t pos = 0;;) {
        const auto dot = fullname.find('.', pos);
        parts.emplace_back(fullname.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    for (const auto& p : parts)
        if (p.empty()) return std::nullopt;
    // Packages are searched along sys.path for the top level only; below that,
    // inside the parent package's directory (its __path__).
    std::vector<fs::path> search;
    for (const auto& d : dirs_) search.emplace_back(d);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        std::optional<fs::path> next_pkg;
        std::vector<fs::path> portions; // PEP 420 namespace package directories
        for (const auto& dir : search) {
            const fs::path pkg = dir / parts[i];
            if (is_dir(pkg)) {
                if (has_init(pkg)) {
                    next_pkg = pkg;
                    break;
                }
                portions.push_back(pkg);
            }
            bool extension = false;
            for (const char* suf : EXTENSION_SUFFIXES)
                if (is_file(dir / (parts[i] + suf))) extension = true;
            if (extension) return std::nullopt; // a C extension: no source to serve
            if (is_file(dir / (parts[i] + ".py"))) {
                if (!last) return std::nullopt; // a module is not a package
                const fs::path file = dir / (parts[i] + ".py");
                auto raw = read_file(file);
                if (!raw) return std::nullopt;
                return modules::FoundModule{file.string(), decode_python_source(std::move(*raw)), false, {}};
            }
        }
        if (!next_pkg) {
            // A namespace package has no source of its own; its submodules are
            // found in all of its portions.
            if (last || portions.empty()) return std::nullopt;
            search = std::move(portions);
            continue;
        }
        if (last) {
            const fs::path init = *next_pkg / "__init__.py";
            if (!is_file(init)) return std::nullopt;
            auto raw = read_file(init);
            if (!raw) return std::nullopt;
            return modules::FoundModule{init.string(), decode_python_source(std::move(*raw)), true,
                                        iter_modules(next_pkg->string())};
        }
        search = {*next_pkg};
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> DirectorySource::leaf_dirs(std::string_view fullname) const {
    const auto dot = fullname.rfind('.');
    if (dot == std::string_view::npos) return dirs_;
    const auto parent = find(fullname.substr(0, dot));
    if (!parent) return std::nullopt;
    if (!parent->is_pkg) return std::vector<std::string>{};
    return std::vector<std::string>{fs::path(parent->path).parent_path().string()};
}

std::optional<std::string> DirectorySource::extension_path(std::string_view fullname) const {
    const auto dot = fullname.rfind('.');
    const std::string leaf(dot == std::string_view::npos ? fullname : fullname.substr(dot + 1));
    for (const fs::path dir : leaf_dirs(fullname).value_or(std::vector<std::string>{})) {
        if (is_dir(dir / leaf) && has_init(dir / leaf)) return std::nullopt; // the order find() uses
        for (const char* suf : EXTENSION_SUFFIXES)
            if (is_file(dir / (leaf + suf))) return (dir / (leaf + suf)).string();
        if (is_file(dir / (leaf + ".py"))) return std::nullopt;
    }
    return std::nullopt;
}

// The directories of a namespace package (none when `fullname` is something else):
// a directory without __init__ where no module or regular package of that name is.
std::vector<std::string> DirectorySource::namespace_portions(std::string_view fullname) const {
    if (find(fullname) || extension_path(fullname)) return {};
    const auto dot = fullname.rfind('.');
    // A parent that is not found may itself be a namespace package.
    auto dirs = leaf_dirs(fullname);
    const std::vector<std::string> search = dirs ? std::move(*dirs) : namespace_portions(fullname.substr(0, dot));
    const std::string leaf(dot == std::string_view::npos ? fullname : fullname.substr(dot + 1));
    std::vector<std::string> out;
    for (const auto& dir : search)
        if (!leaf.empty() && is_dir(fs::path(dir) / leaf)) out.push_back((fs::path(dir) / leaf).string());
    return out;
}

namespace {

// Which of `markers` occur in the file, read in blocks (an extension can be large).
std::vector<bool> file_contains(const std::string& path, const std::vector<std::string>& markers) {
    std::vector<bool> seen(markers.size(), false);
    std::size_t longest = 1;
    for (const auto& m : markers) longest = std::max(longest, m.size());
    std::ifstream in{path, std::ios::binary};
    std::string buf(std::max<std::size_t>(1 << 16, 2 * longest), '\0');
    std::size_t keep = 0; // bytes carried over so a marker across two reads is found
    while (in) {
        in.read(buf.data() + keep, static_cast<std::streamsize>(buf.size() - keep));
        const std::size_t have = keep + static_cast<std::size_t>(in.gcount());
        const std::string_view block(buf.data(), have);
        for (std::size_t k = 0; k < markers.size(); ++k)
            if (!seen[k] && block.find(markers[k]) != std::string_view::npos) seen[k] = true;
        keep = std::min(have, longest - 1);
        std::copy(buf.begin() + static_cast<std::ptrdiff_t>(have - keep), buf.begin() + static_cast<std::ptrdiff_t>(have), buf.begin());
    }
    return seen;
}

} // namespace

std::optional<std::string> DirectorySource::cffi_module_name(std::string_view path, std::string_view fullname) const {
    // cffi's generated init function imports _cffi_backend, and its type context
    // holds the module name given to set_source() as a C string: the longest dotted
    // suffix of the import name that the binary holds between NULs.
    std::vector<std::string> markers{"_cffi_backend"};
    std::vector<std::string> names;
    for (std::size_t from = 0;;) {
        names.emplace_back(fullname.substr(from));
        markers.push_back(std::string(1, '\0') + names.back() + '\0');
        const auto dot = fullname.find('.', from);
        if (dot == std::string_view::npos) break;
        from = dot + 1;
    }
    const auto seen = file_contains(std::string(path), markers);
    if (!seen[0]) return std::nullopt;
    for (std::size_t k = 0; k < names.size(); ++k)
        if (seen[k + 1]) return names[k];
    return std::string(fullname); // no name found: taken as built under its import name
}

bool DirectorySource::is_namespace_package(std::string_view fullname) const {
    return !namespace_portions(fullname).empty();
}

Result<LoadedFile> LoadedFile::read(const std::string& file, const modules::ModuleSource& source) {
    auto text = read_whole_file(file, "loaded-modules file");
    if (!text) return std::move(text).error();
    std::istringstream in(std::move(*text));
    std::set<std::string, std::less<>> loaded, stdlib, nofile, getsource;
    std::map<std::string, std::string, std::less<>> files;
    std::string line;
    std::uint64_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        const auto tab = line.find('\t');
        std::string name = line.substr(0, tab);
        if (name.find_first_of(" \t") != std::string::npos)
            return make_error(Errc::usage, file + ":" + std::to_string(lineno) + ": bad module name '" + name + "'");
        if (tab != std::string::npos) {
            const auto tab2 = line.find('\t', tab + 1);
            const std::string mark = line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
            if (tab2 != std::string::npos) {
                const auto tab3 = line.find('\t', tab2 + 1);
                std::string path = line.substr(tab2 + 1, tab3 == std::string::npos ? std::string::npos : tab3 - tab2 - 1);
                if (tab3 != std::string::npos) {
                    const std::string how = line.substr(tab3 + 1);
                    if (how != "getsource")
                        return make_error(Errc::usage, file + ":" + std::to_string(lineno) +
                                                           ": fourth field must be 'getsource', got '" + how + "'");
                    if (path == "-")
                        return make_error(Errc::usage, file + ":" + std::to_string(lineno) +
                                                           ": fourth field 'getsource' needs a file in the third");
                    getsource.insert(name);
                }
                if (path.empty() || (path != "-" && path[0] != '/'))
                    return make_error(Errc::usage, file + ":" + std::to_string(lineno) +
                                                       ": third field must be an absolute path or '-', got '" + path + "'");
                files.emplace(name, std::move(path));
            }
            if (mark == "stdlib") stdlib.insert(name);
            else if (mark == "nofile") nofile.insert(name);
            else if (!mark.empty() && mark != "-")
                return make_error(Errc::usage, file + ":" + std::to_string(lineno) +
                                                   ": second field must be 'stdlib', 'nofile' or '-', got '" + mark + "'");
        } else if (!source.find(name)) {
            stdlib.insert(name);
        }
        loaded.insert(std::move(name));
    }
    return LoadedFile(std::move(loaded), std::move(stdlib), std::move(nofile), std::move(files), std::move(getsource));
}

const std::string* LoadedFile::source_file(std::string_view name) const {
    const auto it = files_.find(name);
    return it == files_.end() ? nullptr : &it->second;
}

std::optional<modules::FoundModule> LoadedFirstSource::find(std::string_view fullname) const {
    const std::string* file = loaded_.source_file(fullname);
    if (!file || *file == "-") {
        // Not loaded, or loaded as an alias or from no .py file (the reference's
        // pkgutil and sys.modules methods give up on those): looked up in the
        // __path__ of its nearest loaded package (ParentSpecEnumerationMethod), which
        // an import hook may have put outside sys.path (distutils.command.build is in
        // setuptools/_distutils, not in the stdlib's distutils; setuptools._distutils
        // itself is the alias of distutils and is found there too).
        for (auto dot = fullname.rfind('.'); dot != std::string_view::npos && dot > 0; dot = fullname.rfind('.', dot - 1)) {
            const std::string* parent = loaded_.source_file(fullname.substr(0, dot));
            if (!parent) continue;
            if (*parent == "-") break;
            const fs::path init(*parent);
            if (init.filename() != "__init__.py") return std::nullopt; // a module has no submodules
            return DirectorySource({init.parent_path().string()}).find(fullname.substr(dot + 1));
        }
        return dirs_.find(fullname);
    }
    auto raw = read_file(*file);
    if (!raw) return std::nullopt;
    const fs::path path(*file);
    const bool is_pkg = path.filename() == "__init__.py";
    std::string source = decode_python_source(std::move(*raw));
    if (loaded_.read_by_getsource(fullname)) {
        // inspect.getsource reads through linecache, which ends the last line with a
        // newline; an empty package __init__ makes it raise, and the finder sends "\n".
        if (!source.empty() && source.back() != '\n') source.push_back('\n');
        if (source.empty() && is_pkg) source = "\n";
    }
    return modules::FoundModule{*file, std::move(source), is_pkg,
                                is_pkg ? iter_modules(path.parent_path().string()) : std::vector<std::string>{}};
}

bool LoadedFile::loaded(std::string_view name) const { return loaded_.count(name) != 0; }
bool LoadedFile::stdlib(std::string_view name) const { return stdlib_.count(name) != 0; }
bool LoadedFile::file_is_none(std::string_view name) const { return nofile_.count(name) != 0; }
bool LoadedFile::read_by_getsource(std::string_view name) const { return getsource_.count(name) != 0; }

} // namespace mitokit::sim
