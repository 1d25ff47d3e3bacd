#include "modules_command.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "mitokit/cli/unsigned_options.hpp"
#include "mitokit/sim/directory_source.hpp"
#include "mitokit/sim/json_out.hpp"
#include "mitokit/sim/read_file.hpp"
#include "modules/minify.hpp"
#include "modules/planner.hpp"
#include "mitokit/sha1.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

std::string json_list(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ",";
        out += sim::json_str(v[i]);
    }
    return out + "]";
}

const char* const USAGE =
    "usage: mitokit modules plan --path DIR... [--loaded FILE] --request NAME...\n"
    "       mitokit modules scan FILE...\n"
    "       mitokit modules minify [--all] FILE...   (--source FILE: print the served text)\n";

int run_plan(const std::vector<std::string>& args) {
    std::vector<std::string> paths, requests, stdlib;
    std::string loaded_file;
    po::options_description desc("modules plan");
    desc.add_options()("help,h", "show this help")(
        "path", po::value(&paths)->composing(), "a directory on the master's sys.path (repeatable, in order)")(
        "loaded", po::value(&loaded_file), "file of the master's sys.modules ('name[<TAB>stdlib|nofile|-[<TAB>file|-]]')")(
        "request", po::value(&requests)->composing(), "GET_MODULE name (repeatable: same fresh stream, in order)")(
        "stdlib-dir", po::value(&stdlib)->composing(), "the master's stdlib directory (default /usr/lib/python3.11)");
    po::variables_map vm;
    try {
        const auto parsed = po::command_line_parser(args).options(desc).run();
        if (auto negative = negative_unsigned_option(parsed)) throw po::error(*negative);
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "mitokit modules plan: " << e.what() << "\n" << USAGE;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << USAGE << desc;
        return 0;
    }
    if (paths.empty() || requests.empty()) {
        std::cerr << "mitokit modules plan: need at least one --path and one --request\n" << USAGE;
        return 2;
    }
    if (stdlib.empty()) stdlib.emplace_back("/usr/lib/python3.11");
    sim::DirectorySource source(paths, stdlib);
    const modules::EverythingLoaded all(source); // without --loaded
    std::optional<sim::LoadedFile> file;
    if (!loaded_file.empty()) {
        auto r = sim::LoadedFile::read(loaded_file, source);
        if (!r) {
            std::cerr << "mitokit modules plan: " << r.error().message << "\n";
            return 1;
        }
        file.emplace(std::move(*r));
    }
    const modules::LoadedModules& loaded = file ? static_cast<const modules::LoadedModules&>(*file) : all;
    std::optional<sim::LoadedFirstSource> loaded_first;
    if (file) loaded_first.emplace(source, *file);
    const modules::ModuleSource& lookup = loaded_first ? static_cast<const modules::ModuleSource&>(*loaded_first) : source;
    modules::Planner planner(lookup, loaded);
    auto sent = modules::Planner::initial_sent_modules();
    for (const auto& name : requests) {
        for (const auto& t : planner.plan(name, sent)) {
            std::cout << "{\"fullname\":" << sim::json_str(t->fullname) << ",\"pkg_present\":"
                      << (t->pkg_present ? json_list(*t->pkg_present) : "null")
                      << ",\"path\":" << (t->path ? sim::json_str(*t->path) : "null")
                      << ",\"related\":" << json_list(t->related) << ",\"source_sha1\":"
                      << (t->source ? "\"" + mitokit::sha1_hex(*t->source) + "\"" : "null") << "}\n";
        }
    }
    return 0;
}

bool asks_help(const std::vector<std::string>& args) {
    return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "-h" || a == "--help"; });
}

// "-x", "--x": never a file name here ("./-x" is).
bool is_option(const std::string& a) { return a.size() > 1 && a[0] == '-'; }

int run_scan(const std::vector<std::string>& files) {
    if (asks_help(files)) {
        std::cout << USAGE << "scan: the imports mitogen's bytecode scan finds, one JSON object per import\n";
        return 0;
    }
    for (const auto& a : files) {
        if (is_option(a)) {
            std::cerr << "mitokit modules scan: unknown option '" << a << "'\n" << USAGE;
            return 2;
        }
    }
    if (files.empty()) {
        std::cerr << "mitokit modules scan: need at least one FILE\n" << USAGE;
        return 2;
    }
    int rc = 0;
    for (const auto& f : files) {
        auto text = sim::read_whole_file(f);
        if (!text) {
            std::cerr << "mitokit modules scan: " << text.error().message << "\n";
            rc = 1;
            continue;
        }
        for (const auto& ref : modules::scan_imports(sim::decode_python_source(*text)))
            std::cout << "{\"file\":" << sim::json_str(f) << ",\"level\":" << ref.level
                      << ",\"module\":" << sim::json_str(ref.module) << ",\"fromlist\":" << json_list(ref.fromlist)
                      << "}\n";
    }
    return rc;
}

// What the master serves for each file: minified when it carries the minify_safe
// marker (or with --all), one JSON object per file.
int run_minify(const std::vector<std::string>& args) {
    if (asks_help(args)) {
        std::cout << USAGE << "minify: the size and SHA-1 of the source the master serves, one JSON object per file\n";
        return 0;
    }
    bool all = false, print = false;
    std::vector<std::string> files;
    for (const auto& a : args) {
        if (a == "--all") all = true;
        else if (a == "--source") print = true;
        else if (is_option(a)) {
            std::cerr << "mitokit modules minify: unknown option '" << a << "'\n" << USAGE;
            return 2;
        } else files.push_back(a);
    }
    if (files.empty() || (print && files.size() != 1)) {
        std::cerr << "mitokit modules minify: need " << (print ? "exactly one FILE with --source" : "at least one FILE")
                  << "\n" << USAGE;
        return 2;
    }
    int rc = 0;
    for (const auto& f : files) {
        auto text = sim::read_whole_file(f);
        if (!text) {
            std::cerr << "mitokit modules minify: " << text.error().message << "\n";
            rc = 1;
            continue;
        }
        std::string source = sim::decode_python_source(*text);
        const bool marked = modules::has_minify_marker(source);
        std::string error;
        if (marked || all) {
            if (auto m = modules::minimize_source(source)) source = std::move(*m);
            else error = m.error().message;
        }
        if (print) {
            if (!error.empty()) {
                std::cerr << "mitokit modules minify: " << f << ": " << error << "\n";
                return 1;
            }
            std::cout << source;
            continue;
        }
        std::cout << "{\"file\":" << sim::json_str(f) << ",\"minify_safe\":" << (marked ? "true" : "false");
        if (!error.empty()) {
            std::cout << ",\"error\":" << sim::json_str(error) << "}\n";
            rc = 1; // bad input: the JSON still says which file and why
        }
        else std::cout << ",\"bytes\":" << source.size() << ",\"sha1\":\"" << mitokit::sha1_hex(source) << "\"}\n";
    }
    return rc;
}

} // namespace

int run_modules(int argc, char** argv) {
    // argv[0] is "modules"; argv[1] the action.
    if (argc < 2) {
        std::cerr << USAGE;
        return 2;
    }
    const std::string action = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    if (action == "plan") return run_plan(rest);
    if (action == "scan") return run_scan(rest);
    if (action == "minify") return run_minify(rest);
    if (action == "-h" || action == "--help") {
        std::cout << USAGE;
        return 0;
    }
    std::cerr << "mitokit modules: unknown action '" << action << "'\n" << USAGE;
    return 2;
}

} // namespace mitokit::cli
