#include "parent_command.hpp"

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "mitokit/cli/strict_parse.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/runtime/parent.hpp"
#include "mitokit/sim/json_out.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

const char* const USAGE =
    "usage: mitokit parent --path DIR... --call MODULE.FUNCTION [--args JSON] [--kwargs JSON]\n"
    "                      [--link socketpair|pipes] [--timeout S] [--json]\n"
    "Boots a real Python mitogen child, serves its imports from the --path folders (and the\n"
    "installed mitogen package), calls the function, prints the result as canonical JSON and\n"
    "the GET_MODULE / LOAD_MODULE counts, then shuts the child down.\n";

int fail(const std::string& msg) {
    std::cerr << "mitokit parent: " << msg << "\n";
    return 1;
}

} // namespace

int run_parent(int argc, char** argv) {
    std::vector<std::string> paths, system_paths;
    std::string target, args = "[]", kwargs = "{\"kwargs\":[]}", link = "socketpair", python = "/usr/bin/python3";
    std::string klass, loaded_file;
    double timeout = 30.0;
    int log_level = 30;
    long repeat = 0;
    po::options_description desc("mitokit parent");
    desc.add_options()("help,h", "show this help")(
        "path", po::value(&paths)->multitoken()->composing(), "a folder of Python source to serve (repeatable, in order)")(
        "system-path", po::value(&system_paths)->multitoken()->composing(),
        "served after --path (default /usr/lib/python3/dist-packages: the installed mitogen)")(
        "call", po::value(&target), "MODULE.FUNCTION to call in the child")(
        "loaded", po::value(&loaded_file),
        "the master's sys.modules, one name per line [TAB stdlib|nofile|-] (default: all servable names)")(
        "class", po::value(&klass), "call MODULE.CLASS.FUNCTION (a classmethod or staticmethod)")(
        "args", po::value(&args), "positional arguments: canonical JSON list (default [])")(
        "kwargs", po::value(&kwargs), "keyword arguments: canonical JSON {\"kwargs\":[[k,v],...]} or {\"dict\":...}")(
        "link", po::value(&link), "socketpair (default) or pipes")(
        "timeout", po::value(&timeout), "seconds for the child to connect, and for the call (default 30)")(
        "python", po::value(&python), "the child's interpreter (default /usr/bin/python3)")(
        "log-level", po::value(&log_level), "the child's log level (default 30; 20 forwards its stdout)")(
        "repeat", po::value(&repeat), "after the first call, make N more and report calls per second")(
        "json", "print one JSON object instead of lines");
    po::variables_map vm;
    try {
        const auto parsed = parse_strictly(po::command_line_parser(argc, argv).options(desc));
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "mitokit parent: " << e.what() << "\n" << USAGE;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << USAGE << desc;
        return 0;
    }
    const auto dot = target.rfind('.');
    if (target.empty() || dot == std::string::npos || dot == 0 || dot + 1 == target.size()) {
        std::cerr << "mitokit parent: --call needs MODULE.FUNCTION, got '" << target << "'\n" << USAGE;
        return 2;
    }
    if (link != "socketpair" && link != "pipes") {
        std::cerr << "mitokit parent: --link must be socketpair or pipes, got '" << link << "'\n" << USAGE;
        return 2;
    }
    if (!(timeout > 0) || !std::isfinite(timeout) || timeout > 86400) {
        std::cerr << "mitokit parent: --timeout must be between 0 and 86400 seconds\n" << USAGE;
        return 2;
    }
    if (repeat < 0 || repeat > 100000000) {
        std::cerr << "mitokit parent: --repeat must be between 0 and 100000000\n" << USAGE;
        return 2;
    }
    // Bad --args/--kwargs are the user's to fix: say so before booting a child.
    {
        payload::CallFunction check;
        if (auto st = runtime::set_call_arguments(check, args, kwargs); !st) {
            std::cerr << "mitokit parent: " << st.error().message << "\n" << USAGE;
            return 2;
        }
    }
    const bool json = vm.count("json") > 0;
    // Rounded up, as the conformance commands do: 0.0001 s is 1 ms, not 0.
    const auto limit = runtime::milliseconds(static_cast<long long>(std::ceil(timeout * 1000)));

    runtime::ParentOptions po;
    po.paths = paths;
    po.loaded_file = loaded_file;
    if (!system_paths.empty()) po.system_paths = system_paths;
    po.live.python = python;
    po.live.link = link == "pipes" ? transport::LinkKind::pipes : transport::LinkKind::socketpair;
    po.live.connect_timeout = limit;
    po.live.child_log_level = log_level;
    auto parent = runtime::Parent::create(po);
    if (!parent) return fail(parent.error().message);
    auto& p = **parent;
    p.env().on_log = [](const runtime::LogRecord& r) {
        std::cerr << "log context=" << r.src << " " << r.logger << " level=" << r.level << ": " << r.text << "\n";
    };
    auto id = p.local("child");
    if (!id) return fail(id.error().message);
    auto reply = p.call(*id, target.substr(0, dot), klass.empty() ? std::nullopt : std::optional<std::string>(klass),
                        target.substr(dot + 1), args, kwargs, limit);
    const auto counts = p.module_counts();
    double rate = 0;
    if (reply && repeat > 0) {
        const auto t0 = runtime::Clock::now();
        for (long i = 0; i < repeat && reply; ++i)
            reply = p.call(*id, target.substr(0, dot), klass.empty() ? std::nullopt : std::optional<std::string>(klass),
                           target.substr(dot + 1), args, kwargs, limit);
        rate = static_cast<double>(repeat) / std::chrono::duration<double>(runtime::Clock::now() - t0).count();
    }
    const auto down = p.shutdown();
    if (!reply) {
        for (const auto& e : p.env().errors()) std::cerr << "mitokit parent: " << e << "\n";
        return fail(reply.error().message);
    }
    std::string value;
    if (reply->call_error) {
        pickle::Document d;
        (void)pickle::to_json(d, d.call_error(*reply->call_error), value);
    } else if (reply->decode_error) {
        return fail("the reply did not decode: " + *reply->decode_error);
    } else if (auto st = pickle::to_json(reply->doc, reply->root, value, pickle::unshared_json_budget(reply->doc)); !st) {
        return fail("the reply has no canonical JSON: " + st.error().message);
    }
    if (json) {
        std::cout << "{\"result\":" << value << ",\"call_error\":" << (reply->call_error ? "true" : "false")
                  << ",\"get_module\":" << counts.get_module << ",\"load_module\":" << counts.load_module
                  << ",\"log_records\":" << p.env().logs().size();
        if (repeat > 0) std::cout << ",\"calls_per_second\":" << static_cast<long long>(rate);
        std::cout << "}\n";
    } else {
        std::cout << value << "\nGET_MODULE " << counts.get_module << "\nLOAD_MODULE " << counts.load_module << "\n";
        if (repeat > 0) std::cout << "calls/s " << static_cast<long long>(rate) << "\n";
    }
    if (!down) std::cerr << "mitokit parent: " << down.error().message << "\n";
    if (reply->call_error) {
        std::cerr << "mitokit parent: the call raised: " << *reply->call_error << "\n";
        return 1;
    }
    return down ? 0 : 1;
}

} // namespace mitokit::cli
