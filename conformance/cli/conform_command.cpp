#include <signal.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>

#include "cli_options.hpp"
#include "conformance_commands.hpp"
#include "mitokit/conformance/endpoint.hpp"
#include "mitokit/conformance/recorder.hpp"
#include "mitokit/conformance/suite.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

const char* const USAGE =
    "usage: mitokit conform --peer unix:PATH [--json] [--modules DIR] [--target ID]\n"
    "                       [--reply-timeout S] [--silence S] [--connect-timeout S] [--case PREFIX]\n"
    "                       [--capture FILE.pcapng] [--list]\n"
    "Runs the live conformance suite against a peer listening on a UNIX socket the way\n"
    "mitogen.unix.Listener does (its master has a child --target that can import the\n"
    "modules in --modules). Prints a table (case, expected, got, result), or with --json\n"
    "one JSON object per case: {\"case\", \"expected\", \"got\", \"pass\"}. Exit 1 if any case fails.\n";

} // namespace

int run_conform(int argc, char** argv) {
    std::string peer, modules = default_conformance_dir() + "/python";
    std::vector<std::string> only;
    std::string capture_path;
    double reply_timeout = 10, silence = 0.5, connect_timeout = 5;
    std::uint32_t target = 1, max_size = 128u * 1048576u;
    po::options_description desc("mitokit conform");
    desc.add_options()("help,h", "show this help")("peer", po::value(&peer), "unix:PATH of the peer's listener")(
        "json", "one JSON object per case instead of the table")(
        "modules", po::value(&modules), "the folder the peer's master serves (default: conformance/python)")(
        "target", po::value(&target), "the context whose functions are called (default 1)")(
        "reply-timeout", po::value(&reply_timeout), "seconds to wait for an answer that must come (default 10)")(
        "silence", po::value(&silence), "seconds of silence that count as 'no answer' (default 0.5)")(
        "connect-timeout", po::value(&connect_timeout), "seconds per connection and handshake (default 5)")(
        "max-message-size", po::value(&max_size), "the peer's router limit, for the oversize case (default 134217728)")(
        "case", po::value(&only)->multitoken()->composing(), "run only the cases whose names start with this (repeatable)")(
        "capture", po::value(&capture_path), "also write every connection to this pcapng file (for `mitokit replay`)")(
        "list", "print the case names and exit");
    // A peer that hangs up must be an error on the write, not the end of us.
    ::signal(SIGPIPE, SIG_IGN);
    po::variables_map vm;
    const auto done =
        parse_command_line("conform", po::command_line_parser(argc, argv).options(desc), desc, USAGE, vm);
    if (done) return *done;
    if (vm.count("list")) {
        for (const auto& n : conformance::suite_case_names()) std::cout << n << "\n";
        return 0;
    }
    if (peer.empty()) {
        std::cerr << "mitokit conform: --peer unix:PATH is required\n" << USAGE;
        return 2;
    }
    auto path = conformance::parse_unix_spec(peer);
    if (!path) {
        std::cerr << "mitokit conform: " << path.error().message << "\n" << USAGE;
        return 2;
    }
    const auto rt = seconds_option("conform", "reply-timeout", reply_timeout);
    const auto si = seconds_option("conform", "silence", silence);
    const auto ct = seconds_option("conform", "connect-timeout", connect_timeout);
    if (!rt || !si || !ct) return 2;
    if (max_size == 0 || max_size == UINT32_MAX) {
        std::cerr << "mitokit conform: --max-message-size must be between 1 and 4294967294\n";
        return 2;
    }
    const auto names = conformance::suite_case_names();
    for (const auto& prefix : only) {
        if (std::none_of(names.begin(), names.end(), [&](const auto& n) { return n.rfind(prefix, 0) == 0; })) {
            std::cerr << "mitokit conform: --case '" << prefix << "' matches no case (see --list)\n";
            return 2;
        }
    }
    conformance::SuiteOptions opt;
    opt.socket_path = *path;
    opt.modules_dir = modules;
    opt.target = target;
    opt.reply_timeout = *rt;
    opt.silence = *si;
    opt.connect_timeout = *ct;
    opt.max_message_size = max_size;
    opt.only = only;
    std::unique_ptr<conformance::Recorder> rec;
    if (!capture_path.empty()) {
        auto r = conformance::Recorder::open(capture_path);
        if (!r) {
            std::cerr << "mitokit conform: " << r.error().message << "\n";
            return 1;
        }
        rec = std::move(*r);
        opt.recorder = rec.get();
    }
    auto results = conformance::run_suite(opt);
    if (rec) {
        if (auto st = rec->close(); !st) {
            std::cerr << "mitokit conform: " << capture_path << ": " << st.error().message << "\n";
            return 1;
        }
    }
    if (!results) {
        std::cerr << "mitokit conform: " << results.error().message << "\n";
        return 1;
    }
    if (vm.count("json")) conformance::print_json_lines(std::cout, *results);
    else conformance::print_table(std::cout, *results);
    return conformance::failures(*results) == 0 ? 0 : 1;
}

} // namespace mitokit::cli
