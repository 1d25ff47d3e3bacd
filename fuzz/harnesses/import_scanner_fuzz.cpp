// The import scanner on arbitrary text: it must never fail, and what it reports
// must be well formed (non-negative levels, names made of identifier characters
// and dots, a module name or a relative level for every import), and the imports
// it reports as executed are among them.
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
    const auto run = modules::scan_executed_imports(src);
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
    return 0;
}

} // namespace mitokit::fuzz
