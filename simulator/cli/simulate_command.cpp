#include "simulate_command.hpp"

#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "mitokit/cli/unsigned_options.hpp"
#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/sim/module_sets.hpp"
#include "mitokit/sim/pcap.hpp"
#include "mitokit/sim/read_file.hpp"
#include "mitokit/sim/simulation.hpp"
#include "mitokit/sim/workload.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

// A link's one-way latency or jitter: at most 1000 simulated seconds.
constexpr double MAX_LINK_DELAY_US = 1e9;
const char* const MITOGEN_DIR = "/usr/lib/python3/dist-packages/mitogen";
// What a typical mitogen user's children end up importing.
const char* const MITOGEN_IMPORTS[] = {"mitogen.parent", "mitogen.select", "mitogen.service", "mitogen.utils",
                                       "mitogen.fork", "mitogen.ssh", "mitogen.sudo"};

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, sep);)
        if (!item.empty()) out.push_back(item);
    return out;
}

// The most faults of one kind a run takes.
constexpr std::uint32_t MAX_FAULTS_PER_KIND = 1000000;

// "cut=2,crash=1,stall=1,corrupt=1"; a kind without a count is one fault.
bool parse_faults(const std::string& spec, sim::FaultConfig& f, std::string& err) {
    std::vector<std::string> seen;
    for (const auto& item : split(spec, ',')) {
        const auto eq = item.find('=');
        const std::string k = item.substr(0, eq);
        std::uint32_t n = 1;
        if (eq != std::string::npos) {
            const std::string v = item.substr(eq + 1);
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n > MAX_FAULTS_PER_KIND) {
                err = "bad count in --faults item '" + item + "' (want a whole number 0.." +
                      std::to_string(MAX_FAULTS_PER_KIND) + ")";
                return false;
            }
        }
        std::uint32_t* slot = k == "cut"       ? &f.cuts
                              : k == "crash"   ? &f.crashes
                              : k == "stall"   ? &f.stalls
                              : k == "corrupt" ? &f.corruptions
                                               : nullptr;
        if (!slot) {
            err = "unknown fault '" + k + "' in --faults (want cut, crash, stall, corrupt)";
            return false;
        }
        if (std::find(seen.begin(), seen.end(), k) != seen.end()) {
            err = "fault '" + k + "' given twice in --faults '" + spec + "'";
            return false;
        }
        seen.push_back(k);
        *slot = n;
    }
    return true;
}

// A comma-separated list of unsigned numbers, each at least `min`, for --OPT; with
// nothing empty (no trailing comma), and not empty itself. Prints the error and
// gives nullopt on a bad one.
std::optional<std::vector<std::uint32_t>> number_list(const char* opt, const std::string& text, std::uint32_t min,
                                                      const char* want_item, const char* want_list) {
    if (text.empty()) {
        std::cerr << "mitokit simulate: --" << opt << " is empty (want " << want_list << ")\n";
        return std::nullopt;
    }
    std::vector<std::uint32_t> out;
    std::stringstream items(text);
    for (std::string item; std::getline(items, item, ',');) {
        std::uint32_t v = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || v < min) {
            std::cerr << "mitokit simulate: bad --" << opt << " item '" << item << "' in '" << text << "' (want "
                      << want_item << ")\n";
            return std::nullopt;
        }
        out.push_back(v);
    }
    if (text.back() == ',') {
        std::cerr << "mitokit simulate: bad --" << opt << " '" << text << "' (a trailing comma)\n";
        return std::nullopt;
    }
    return out;
}

class ProgressBar {
public:
    // Draws on stderr once a run has taken a second, at most five times a second,
    // and the end of a run it has drawn.
    void operator()(const sim::ProgressInfo& p) {
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const bool end = p.planned && p.done >= p.planned;
        if (t < 1.0 || (t - last_ < 0.2 && !(end && drawn_))) return;
        last_ = t;
        drawn_ = true;
        const double frac = p.fraction();
        const int width = 40, fill = static_cast<int>(frac * width);
        std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %llu/%llu tasks %6.1fs", fill, "########################################",
                     width - fill, "", frac * 100.0, static_cast<unsigned long long>(p.done),
                     static_cast<unsigned long long>(p.planned), t);
        std::fflush(stderr);
    }
    ~ProgressBar() {
        if (drawn_) std::fprintf(stderr, "\n");
    }

private:
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    double last_ = 0;
    bool drawn_ = false;
};

} // namespace

int run_simulate(int argc, char** argv) {
    std::uint32_t fanout = 100, depth = 2, calls = 1, logs = 2, allocate_ids = 0;
    std::uint64_t seed = 1;
    std::string kill_arg;
    std::string tree_file, levels, faults_spec, pcap_path, dot_path, json_path, module_set = "auto", imports_arg, event_log;
    std::vector<std::string> paths;
    double latency_us = 200, jitter_us = 50;
    std::uint64_t bandwidth = 125'000'000;
    std::uint32_t buffer = 128 * 1024, max_size = DEFAULT_MAX_MESSAGE_SIZE;
    sim::SyntheticParams syn;
    std::uint32_t connect_window = sim::WorkloadConfig{}.connect_window;
    std::uint32_t call_window = sim::WorkloadConfig{}.call_window;
    po::options_description desc(
        "usage: mitokit simulate [options]\n"
        "With no options: ~10,000 contexts (fanout 100, depth 2) import the installed mitogen package\n"
        "(a synthetic module set where it is absent), make a call and send log records.\n\noptions");
    desc.add_options()("help,h", "show this help")
        ("fanout", po::value(&fanout), "children per context (default 100)")
        ("depth", po::value(&depth), "levels below the master (default 2)")
        ("levels", po::value(&levels), "per-level fanouts, e.g. 10,5,2 (overrides --fanout/--depth)")
        ("tree", po::value(&tree_file), "tree file: one line per context, the line number of its parent (0 = master)")
        ("calls", po::value(&calls), "posix.getpid calls per leaf (default 1)")
        ("logs", po::value(&logs), "log records per leaf (default 2)")
        ("allocate-ids", po::value(&allocate_ids), "context IDs each leaf allocates, 0..100000 (default 0; a block of 1000 per ALLOCATE_ID round trip)")
        ("modules", po::value(&module_set), "module set: auto, mitogen, synthetic, none, or dirs (see --path)")
        ("path", po::value(&paths)->composing(), "serve modules from this directory (repeatable; implies --modules dirs; the standard library is searched after)")
        ("imports", po::value(&imports_arg), "comma-separated modules each leaf imports (default: by module set)")
        ("preload", "intermediates import first, then the master pushes the set to each leaf (forward_modules)")
        ("connect-window", po::value(&connect_window), "connects a parent has in flight while the tree is built (default 16; 1 = one child after another; 0 = all at once)")
        ("call-window", po::value(&call_window), "leaf-phase calls the master keeps in flight; a leaf's calls start when fewer are unanswered (default 0 = every leaf's at once)")
        ("kill", po::value(&kill_arg), "context IDs (comma-separated) the master sends os._exit(0) once the tree is up; the leaf phase starts 1 s (simulated) later")
        ("sequential-connects", "build the tree one connect at a time, in tree order, as a program calling router.local() for each context in turn (the same IDs as that program)")
        ("synthetic-packages", po::value(&syn.packages), "synthetic set: packages (default 4)")
        ("synthetic-modules", po::value(&syn.modules_per_package), "synthetic set: modules per package (default 8)")
        ("seed", po::value(&seed), "the run's only source of randomness (default 1)")
        ("faults", po::value(&faults_spec), "cut=N,crash=N,stall=N,corrupt=N")
        ("latency-us", po::value(&latency_us), "one-way link latency, 0..1e9 (default 200)")
        ("jitter-us", po::value(&jitter_us), "extra random delay per segment, 0..1e9 (default 50)")
        ("bandwidth", po::value(&bandwidth), "link bandwidth in bytes/s (default 125000000; 0 = unlimited)")
        ("buffer", po::value(&buffer), "link buffer: largest segment, bytes (default 131072)")
        ("max-message-size", po::value(&max_size), "router max_message_size (default 134217728)")
        ("unidirectional", "routers refuse to forward between non-parent streams")
        ("shutdown", "shut the master down at the end")
        ("pcap", po::value(&pcap_path), "write every link's bytes as a pcapng capture")
        ("json", po::value(&json_path)->implicit_value("-"), "JSON report to FILE (or stdout)")
        ("dot", po::value(&dot_path), "Graphviz of the context tree to FILE")
        ("event-log", po::value(&event_log), "every event-log line to FILE (slow at scale)");
    po::variables_map vm;
    try {
        // argv[0] is "simulate"; the parser skips it.
        const auto parsed = po::command_line_parser(argc, argv).options(desc).run();
        if (auto negative = negative_unsigned_option(parsed)) throw po::error(*negative);
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "mitokit simulate: " << e.what() << "\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << desc;
        return 0;
    }
    sim::WorkloadConfig wl;
    if (!tree_file.empty() || vm.count("tree")) {
        for (const char* shape : {"levels", "fanout", "depth"}) {
            if (vm.count(shape)) {
                std::cerr << "mitokit simulate: --tree gives the whole tree; --" << shape << " cannot be given with it\n";
                return 2;
            }
        }
    }
    if (vm.count("tree") && tree_file.empty()) {
        std::cerr << "mitokit simulate: --tree needs a file name\n";
        return 2;
    }
    if (vm.count("levels")) {
        auto f = number_list("levels", levels, 0, "fanouts such as 10,5,2", "fanouts such as 10,5,2");
        if (!f) return 2;
        wl.fanout = std::move(*f);
    } else if (tree_file.empty()) {
        if (depth == 0 || depth > 8) {
            std::cerr << "mitokit simulate: --depth must be 1..8, got " << depth << "\n";
            return 2;
        }
        wl.fanout.assign(depth, fanout);
    }
    if (!tree_file.empty()) {
        const auto text = sim::read_whole_file(tree_file, "tree file");
        if (!text) {
            std::cerr << "mitokit simulate: " << text.error().message << "\n";
            return 1;
        }
        auto t = sim::parse_tree(*text);
        if (!t) {
            std::cerr << "mitokit simulate: " << tree_file << ": " << t.error().message << "\n";
            return 1;
        }
        wl.tree_parents = std::move(*t);
        wl.fanout.clear();
    }
    // Contexts and leaves of the tree asked for, counted up to just past the limit.
    std::uint64_t total = 1 + wl.tree_parents.size(), leaves = 0;
    bool more = false; // the count stopped at the limit
    if (!wl.fanout.empty()) {
        std::uint64_t level = 1;
        for (auto f : wl.fanout) {
            level = std::min<std::uint64_t>(level * f, sim::MAX_CONTEXTS + 1);
            total = std::min<std::uint64_t>(total + level, sim::MAX_CONTEXTS + 1);
        }
        more = total > sim::MAX_CONTEXTS;
        leaves = level;
    } else {
        std::vector<bool> parent(wl.tree_parents.size() + 1, false);
        for (auto p : wl.tree_parents) parent[p] = true;
        for (std::size_t i = 1; i < parent.size(); ++i) leaves += !parent[i];
    }
    if (total > sim::MAX_CONTEXTS) {
        std::cerr << "mitokit simulate: the tree has " << (more ? "more than " + std::to_string(sim::MAX_CONTEXTS) : std::to_string(total))
                  << " contexts, above the limit of " << sim::MAX_CONTEXTS << "\n";
        return 2;
    }
    for (const auto& [name, us] : {std::pair{"latency-us", latency_us}, std::pair{"jitter-us", jitter_us}}) {
        if (!std::isfinite(us) || us < 0 || us > MAX_LINK_DELAY_US) {
            std::cerr << "mitokit simulate: --" << name << " must be 0.." << MAX_LINK_DELAY_US << " microseconds, got " << us
                      << "\n";
            return 2;
        }
    }
    if (const double n = static_cast<double>(syn.packages) * (1.0 + syn.modules_per_package);
        n > sim::MAX_SYNTHETIC_MODULES) {
        std::cerr << "mitokit simulate: --synthetic-packages x (--synthetic-modules + 1) is " << n
                  << " modules, above the limit of " << sim::MAX_SYNTHETIC_MODULES
                  << " (each module's related list can hold the whole set, so LOAD_MODULE bytes grow with its square)\n";
        return 2;
    }
    if (buffer == 0) {
        std::cerr << "mitokit simulate: --buffer must be at least 1 byte\n";
        return 2;
    }
    if (calls > sim::MAX_CALLS_PER_LEAF || logs > sim::MAX_LOGS_PER_CALL) {
        std::cerr << "mitokit simulate: --calls must be 0.." << sim::MAX_CALLS_PER_LEAF << " and --logs 0.."
                  << sim::MAX_LOGS_PER_CALL << ", got " << calls << " and " << logs << "\n";
        return 2;
    }
    wl.calls_per_leaf = calls;
    wl.logs_per_leaf = logs;
    if (allocate_ids > sim::MAX_IDS_PER_CALL) {
        std::cerr << "mitokit simulate: --allocate-ids must be 0.." << sim::MAX_IDS_PER_CALL << ", got " << allocate_ids << "\n";
        return 2;
    }
    wl.ids_per_leaf = allocate_ids;
    wl.preload = vm.count("preload") != 0;
    wl.connect_window = connect_window;
    wl.call_window = call_window;
    wl.sequential_connects = vm.count("sequential-connects") != 0;
    if (vm.count("kill")) {
        auto ids = number_list("kill", kill_arg, 1, "context IDs other than the master's 0, e.g. 1,1003",
                               "context IDs such as 1,1003");
        if (!ids) return 2;
        wl.kill = std::move(*ids);
    }
    wl.shutdown_at_end = vm.count("shutdown") != 0;
    sim::FaultConfig faults;
    if (std::string err; !parse_faults(faults_spec, faults, err)) {
        std::cerr << "mitokit simulate: " << err << "\n";
        return 2;
    }

    // Module set.
    if (!paths.empty()) module_set = "dirs";
    if (module_set == "auto") module_set = std::filesystem::exists(MITOGEN_DIR) ? "mitogen" : "synthetic";
    std::unique_ptr<modules::ModuleSource> source;
    std::unique_ptr<modules::LoadedModules> loaded;
    std::vector<std::string> default_imports;
    if (module_set == "mitogen" || module_set == "dirs") {
        // The master's sys.path: the standard library is always on it, after any --path.
        for (const char* std_dir : {"/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload"})
            if (std::find(paths.begin(), paths.end(), std_dir) == paths.end()) paths.push_back(std_dir);
        if (module_set == "mitogen") paths.push_back("/usr/lib/python3/dist-packages");
        auto ds = std::make_unique<sim::DirectorySource>(paths);
        loaded = std::make_unique<sim::SourceLoaded>(*ds, sim::SourceLoaded::Has::stdlib_only);
        source = std::move(ds);
        if (module_set == "mitogen") default_imports.assign(std::begin(MITOGEN_IMPORTS), std::end(MITOGEN_IMPORTS));
    } else if (module_set == "synthetic") {
        syn.seed = seed;
        auto ms = sim::synthetic_modules(syn, &default_imports);
        if (default_imports.size() > 8) default_imports.resize(8);
        loaded = std::make_unique<sim::SourceLoaded>(*ms);
        source = std::move(ms);
    } else if (module_set != "none") {
        std::cerr << "mitokit simulate: unknown --modules '" << module_set << "'\n";
        return 2;
    }
    if (module_set == "none" && !imports_arg.empty()) {
        std::cerr << "mitokit simulate: --imports needs modules to serve, and --modules none serves none "
                     "(use --path DIR, --modules synthetic or --modules mitogen)\n";
        return 2;
    }
    wl.imports = imports_arg.empty() ? default_imports : split(imports_arg, ',');
    {
        // The leaf phase's tasks, all of them and those in flight at once: a bound on
        // the run's time and on the memory of the calls waiting for their answers.
        const std::uint64_t per_leaf = sim::tasks_per_leaf(wl);
        const std::uint64_t all = leaves * per_leaf;
        const std::uint64_t at_once = wl.call_window ? std::min<std::uint64_t>(all, std::uint64_t{wl.call_window} + per_leaf) : all;
        if (all > sim::MAX_LEAF_TASKS || at_once > sim::MAX_LEAF_TASKS_IN_FLIGHT) {
            std::cerr << "mitokit simulate: " << leaves << " leaves x " << per_leaf << " tasks each is " << all
                      << " leaf tasks, " << at_once << " of them at once; the limits are " << sim::MAX_LEAF_TASKS
                      << " in all and " << sim::MAX_LEAF_TASKS_IN_FLIGHT
                      << " at once (fewer --calls, or a --call-window)\n";
            return 2;
        }
    }
    std::unique_ptr<sim::ModuleCatalog> catalog;
    if (source) catalog = std::make_unique<sim::ModuleCatalog>(*source, *loaded);
    if (catalog && (module_set == "mitogen" || module_set == "dirs")) {
        // The master's program: a mitogen master that imported the modules its
        // children will import (what a program calling into them has done).
        if (source->find("mitogen.master")) catalog->master_import("mitogen.master");
        for (const auto& name : wl.imports) catalog->master_import(name);
    }

    auto functions = sim::FunctionRegistry::standard();
    // mitogen.parent is imported like any module when the master can serve it.
    if (!catalog || !source->find("mitogen.parent")) functions.add_builtin_module("mitogen.parent");
    sim::NodeShared shared;
    shared.functions = &functions;
    shared.modules = catalog.get();
    shared.max_message_size = max_size;
    shared.unidirectional = vm.count("unidirectional") != 0;
    sim::SimConfig cfg;
    cfg.seed = seed;
    cfg.link.latency = static_cast<sim::Time>(latency_us * 1000);
    cfg.link.jitter = static_cast<sim::Time>(jitter_us * 1000);
    cfg.link.bandwidth = bandwidth;
    cfg.link.buffer = buffer;
    // Every output file is opened before the run, so a bad path costs no run.
    std::ofstream event_out, dot_out, json_out;
    {
        // Each output its own file: "-" (stdout) is for the JSON report alone, and
        // two outputs on one path would write over each other.
        const std::pair<const char*, const std::string*> outputs[] = {
            {"pcap", &pcap_path}, {"dot", &dot_path}, {"json", &json_path}, {"event-log", &event_log}};
        std::vector<std::pair<std::filesystem::path, const char*>> taken;
        for (const auto& [opt, path] : outputs) {
            if (!vm.count(opt)) continue;
            if (path->empty()) {
                std::cerr << "mitokit simulate: --" << opt << " needs a file name\n";
                return 2;
            }
            if (*path == "-") {
                if (std::string_view(opt) == "json") continue;
                std::cerr << "mitokit simulate: --" << opt << " needs a file name ('-', standard output, is for --json only)\n";
                return 2;
            }
            std::error_code ec;
            const auto canon = std::filesystem::weakly_canonical(*path, ec);
            const auto key = ec ? std::filesystem::path(*path) : canon;
            for (const auto& [other, other_opt] : taken) {
                if (other == key) {
                    std::cerr << "mitokit simulate: --" << other_opt << " and --" << opt << " both write '" << *path << "'\n";
                    return 2;
                }
            }
            taken.emplace_back(key, opt);
        }
    }
    for (auto [path, out, what] : {std::tuple{&event_log, &event_out, "event log"}, std::tuple{&dot_path, &dot_out, "dot file"},
                                   std::tuple{&json_path, &json_out, "JSON report"}}) {
        if (path->empty() || *path == "-") continue;
        out->open(*path);
        if (!*out) {
            std::cerr << "mitokit simulate: cannot create " << what << " '" << *path << "': " << std::strerror(errno) << "\n";
            return 1;
        }
    }
    if (event_out.is_open())
        cfg.event_line_sink = [&event_out](std::string_view line) { event_out << line << '\n'; };
    sim::Simulation simulation(cfg, shared);
    std::unique_ptr<sim::PcapWriter> pcap;
    if (!pcap_path.empty()) {
        auto w = sim::PcapWriter::open_file(pcap_path);
        if (!w) {
            std::cerr << "mitokit simulate: " << w.error().message << "\n";
            return 1;
        }
        pcap = std::move(*w);
        simulation.set_pcap(pcap.get());
    }
    sim::Report rep;
    {
        ProgressBar bar;
        rep = sim::run_workload(simulation, wl, faults, [&](const sim::ProgressInfo& p) { bar(p); });
    }
    if (pcap) {
        if (auto st = pcap->close(); !st) {
            std::cerr << "mitokit simulate: " << pcap_path << ": " << st.error().message << "\n";
            return 1;
        }
    }
    if (dot_out.is_open()) dot_out << sim::tree_dot(simulation);
    const std::string json = sim::report_json(rep);
    if (json_path == "-") {
        std::cout << json << "\n";
    } else {
        if (json_out.is_open()) json_out << json << "\n";
        std::cout << sim::report_text(rep);
    }
    for (auto [path, out] : {std::pair{&event_log, &event_out}, std::pair{&dot_path, &dot_out}, std::pair{&json_path, &json_out}}) {
        if (!out->is_open()) continue;
        out->close();
        if (!*out) {
            std::cerr << "mitokit simulate: writing '" << *path << "' failed\n";
            return 1;
        }
    }
    return rep.violations.empty() ? 0 : 3;
}

} // namespace mitokit::cli
