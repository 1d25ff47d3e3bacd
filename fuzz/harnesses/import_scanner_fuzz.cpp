// The import scanner on arbitrary text: it must never fail, and what it reports
// must be well formed (non-negative levels, names made of identifier characters
// and dots, a module name or a relative level for every import), and the imports
// it reports as executed are among them (also where names it imports from other
// modules stand for constants and version tuples).
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "modules/scanner.hpp"

namespace mitokit::fuzz {

int fuzz_import_scanner(const std::uint8_t* data, std::size_t size) {
    const std::string_view src(reinterpret_cast<const char*>(data), size);
    const auto refs = modules::scan_imports(src);
    for (const auto& r : refs) {
        fuzz_check(r.level >= 0, "negative import level");
        fuzz_check(!r.module.empty() || r.level > 0, "absolute import without a module name");
        fuzz_check(r.module.empty() || (r.module.front() != '.' && r.module.back() != '.'),
                   "module name with a leading or trailing dot: " + r.module);
        fuzz_check(r.module.size() <= size && r.fromlist.size() <= size, "scanner reported more than its input");
    }
    // The reference's limits only leave imports out: what it sees is among the
    // compiled imports, in order.
    const auto compiled = modules::scan_imports(src, false);
    std::size_t seen = 0;
    for (const auto& r : refs) {
        while (seen < compiled.size() && !(compiled[seen] == r)) ++seen;
        fuzz_check(seen < compiled.size(), "an import the reference sees that is not compiled: " + r.module);
        ++seen;
    }
    // The imports a module's execution runs outside class bodies are some of its
    // compiled imports: the same scan with branches that do not run left out, in
    // source order where the compiled ones follow the bytecode (a try statement's
    // else clause before its except clauses), so matched as a multiset.
    // Also with names imported from other modules standing for constants and version
    // tuples (the planner's ExportLookup), chosen from each name's characters.
    const modules::ExportLookup exports = [](std::string_view module, std::string_view name) {
        std::size_t h = module.size();
        for (char c : name) h = h * 31 + static_cast<unsigned char>(c);
        using K = modules::ExportedName::Kind;
        switch (h % 6) {
        case 0: return std::optional<modules::ExportedName>();
        case 1: return std::optional(modules::ExportedName{K::truth, (h / 6) % 2 == 0, 0});
        default: return std::optional(modules::ExportedName{K::version_info, false, static_cast<std::uint8_t>(h % 6 - 2)});
        }
    };
    const modules::ModuleFacts facts{"pkg.mod", "pkg", &exports};
    for (const modules::ModuleFacts* m : {static_cast<const modules::ModuleFacts*>(nullptr), &facts}) {
        const auto run = modules::scan_executed_imports(src, m);
        std::vector<bool> used(compiled.size(), false);
        for (auto r : run) {
            fuzz_check(r.binds.empty() || !r.in_function, "a function body's import binds a module name");
            if (r.in_class || r.in_function) continue; // they run, but mitogen's scan does not read them
            if (r.kind != modules::ImportRef::Kind::import) continue; // a binding, not an import
            r.binds.clear();
            // What only the executed scan says: whether a failure propagates, whether the
            // statement always runs, and the try statements around it.
            r.reraised = false;
            r.unguarded = false;
            r.tries.clear();
            std::size_t at = 0;
            while (at < compiled.size() && (used[at] || !(compiled[at] == r))) ++at;
            fuzz_check(at < compiled.size(), "an executed import that scan_imports does not report: " + r.module);
            used[at] = true;
        }
    }
    return 0;
}

} // namespace mitokit::fuzz
