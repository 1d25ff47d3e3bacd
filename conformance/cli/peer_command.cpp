#include <signal.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli_options.hpp"
#include "conformance_commands.hpp"
#include "mitokit/conformance/endpoint.hpp"
#include "mitokit/conformance/peer.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

const char* const USAGE =
    "usage: mitokit peer --master unix:PATH [--json] [--modules DIR] [--reply-timeout S]\n"
    "                    [--silence S] [--connect-timeout S] [--no-raw]\n"
    "Joins a running real mitogen master (conformance/reference_master.py) through its UNIX\n"
    "listener as a C++ context with native functions, has the master call them, imports\n"
    "modules, forwards a log record, allocates IDs, and checks the refusals (bad auth_id,\n"
    "bad src_id, routes from a UNIX client, bad magic, over-size header). Prints a table or\n"
    "JSON Lines as `mitokit conform` does; exit 1 if any case fails.\n";

} // namespace

int run_peer(int argc, char** argv) {
    std::string master, modules = default_conformance_dir() + "/python";
    double reply_timeout = 20, silence = 0.5, connect_timeout = 5;
    po::options_description desc("mitokit peer");
    desc.add_options()("help,h", "show this help")("master", po::value(&master), "unix:PATH of the master's listener")(
        "json", "one JSON object per case instead of the table")(
        "modules", po::value(&modules), "the folder the master serves (default: conformance/python)")(
        "reply-timeout", po::value(&reply_timeout), "seconds to wait for an answer that must come (default 20)")(
        "silence", po::value(&silence), "seconds of silence that count as 'no answer' (default 0.5)")(
        "connect-timeout", po::value(&connect_timeout), "seconds per connection and handshake (default 5)")(
        "no-raw", "skip the refusal cases that use raw connections");
    // A peer that hangs up must be an error on the write, not the end of us.
    ::signal(SIGPIPE, SIG_IGN);
    po::variables_map vm;
    const auto done =
        parse_command_line("peer", po::command_line_parser(argc, argv).options(desc), desc, USAGE, vm);
    if (done) return *done;
    if (master.empty()) {
        std::cerr << "mitokit peer: --master unix:PATH is required\n" << USAGE;
        return 2;
    }
    auto path = conformance::parse_unix_spec(master);
    if (!path) {
        std::cerr << "mitokit peer: " << path.error().message << "\n" << USAGE;
        return 2;
    }
    const auto rt = seconds_option("peer", "reply-timeout", reply_timeout);
    const auto si = seconds_option("peer", "silence", silence);
    const auto ct = seconds_option("peer", "connect-timeout", connect_timeout);
    if (!rt || !si || !ct) return 2;
    conformance::PeerOptions opt;
    opt.socket_path = *path;
    opt.modules_dir = modules;
    opt.reply_timeout = *rt;
    opt.silence = *si;
    opt.connect_timeout = *ct;
    opt.raw_cases = vm.count("no-raw") == 0;
    auto results = conformance::run_peer(opt);
    if (!results) {
        std::cerr << "mitokit peer: " << results.error().message << "\n";
        return 1;
    }
    if (vm.count("json")) conformance::print_json_lines(std::cout, *results);
    else conformance::print_table(std::cout, *results);
    return conformance::failures(*results) == 0 ? 0 : 1;
}

} // namespace mitokit::cli
