#include "mitokit/conformance/module_plan.hpp"

#include "mitokit/sha1.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/module_catalog.hpp"

namespace mitokit::conformance {
namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

std::string describe(const std::string& name, const std::optional<std::vector<std::string>>& pkg,
                     const std::vector<std::string>& related, const std::optional<std::string>& source) {
    if (!source) return name + " negative";
    std::string s = name;
    if (pkg) s += " pkg[" + joined(*pkg) + "]";
    s += " related[" + joined(related) + "] source:" + sha1_hex(*source).substr(0, 12);
    return s;
}

} // namespace

struct ModulePlan::State {
    sim::DirectorySource source;
    modules::EverythingLoaded loaded;
    sim::ModuleCatalog catalog;
    std::set<std::string> sent{"mitogen", "mitogen.core"}; // a new stream's sent_modules
    explicit State(std::vector<std::string> dirs) : source(std::move(dirs)), loaded(source), catalog(source, loaded) {}
};

ModulePlan::ModulePlan(std::vector<std::string> dirs) : st_(std::make_unique<State>(std::move(dirs))) {}
ModulePlan::~ModulePlan() = default;

std::vector<std::string> ModulePlan::plan(const std::string& fullname) {
    std::vector<std::string> out;
    for (const sim::ModuleRef r : st_->catalog.plan(fullname, st_->sent)) {
        const auto& t = *r->tuple;
        out.push_back(describe(t.fullname, t.pkg_present, t.related, t.negative() ? std::nullopt : t.source));
    }
    return out;
}

std::string summarize(const payload::LoadModule& m) {
    if (m.is_negative()) return m.fullname + " negative";
    std::optional<std::string> src;
    if (m.compressed) {
        auto s = payload::inflate_source(*m.compressed);
        if (!s) return m.fullname + " (source does not inflate: " + s.error().message + ")";
        src = std::move(*s);
    } else {
        src = std::string(); // a path with no source: print it as empty
    }
    return describe(m.fullname, m.pkg_present, m.related, src);
}

std::string summarize_payload(std::span<const std::uint8_t> data) {
    auto m = payload::parse_load_module(data);
    if (!m) return "(unparsable LOAD_MODULE: " + m.error().message + ")";
    return summarize(*m);
}

} // namespace mitokit::conformance
