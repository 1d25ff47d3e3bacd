#include "memory_source.hpp"

namespace mitokit::modules {

void MemorySource::add(std::string fullname, std::string source, bool is_pkg, bool stdlib, bool loaded) {
    if (loaded) loaded_.insert(fullname);
    if (stdlib) stdlib_.insert(fullname);
    mods_[std::move(fullname)] = Entry{std::move(source), is_pkg, stdlib};
}

std::optional<FoundModule> MemorySource::find(std::string_view fullname) const {
    const auto it = mods_.find(fullname);
    if (it == mods_.end()) return std::nullopt;
    FoundModule m;
    std::string rel(fullname);
    for (auto& c : rel)
        if (c == '.') c = '/';
    m.path = (it->second.stdlib ? "/stdlib/" : "/virtual/") + rel + (it->second.is_pkg ? "/__init__.py" : ".py");
    m.source = it->second.source;
    m.is_pkg = it->second.is_pkg;
    if (m.is_pkg) {
        // Direct children, sorted (the map is ordered).
        const std::string prefix = std::string(fullname) + ".";
        for (auto c = mods_.lower_bound(prefix); c != mods_.end() && c->first.compare(0, prefix.size(), prefix) == 0; ++c) {
            const std::string rest = c->first.substr(prefix.size());
            if (rest.find('.') == std::string::npos) m.pkg_present.push_back(rest);
        }
    }
    return m;
}

std::vector<std::string> MemorySource::loaded_under(std::string_view package) const {
    return names_under(loaded_, package);
}

std::vector<std::string> MemorySource::names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : mods_) out.push_back(k);
    return out;
}

} // namespace mitokit::modules
