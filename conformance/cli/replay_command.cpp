#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli_options.hpp"
#include "conformance_commands.hpp"
#include "mitokit/conformance/endpoint.hpp"
#include "mitokit/conformance/replay.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

const char* const USAGE =
    "usage: mitokit replay CAPTURE --to unix:PATH [--conversation N] [--send c2s|s2c] [--map A=B]\n"
    "                      [--shutdown] [--keep-encoding] [--json] [--reply-timeout S] [--silence S]\n"
    "Re-sends one side of a captured conversation (pcap/pcapng) to a live peer's UNIX\n"
    "listener and reports, request by request, where the live answers differ from the\n"
    "captured ones (table or JSON Lines as `mitokit conform`). Exit 1 if any differs.\n"
    "Answers the side gave the other (replies, LOAD_MODULE) and SHUTDOWN are not re-sent.\n";

} // namespace

int run_replay(int argc, char** argv) {
    std::string capture, to, send = "auto";
    std::vector<std::string> maps;
    std::uint32_t conversation = 0, max_size = 128u * 1048576u;
    double reply_timeout = 10, silence = 0.5, connect_timeout = 5;
    po::options_description desc("mitokit replay");
    desc.add_options()("help,h", "show this help")("to", po::value(&to), "unix:PATH of the live peer's listener")(
        "conversation", po::value(&conversation), "which TCP conversation (default: the first with frames both ways)")(
        "send", po::value(&send), "c2s, s2c or auto (default: the side that sent the first frame)")(
        "map", po::value(&maps)->multitoken()->composing(), "CAPTURED=LIVE: re-send context ID CAPTURED as LIVE (repeatable)")(
        "shutdown", "also re-send SHUTDOWN messages")(
        "keep-encoding", "re-send 0.3.39+ MJ/MK frames as they are (default: as 0.3.3 MI frames)")(
        "json", "one JSON object per request instead of the table")(
        "reply-timeout", po::value(&reply_timeout), "seconds to wait for an answer the capture has (default 10)")(
        "silence", po::value(&silence), "seconds to wait where the capture has no answer (default 0.5)")(
        "connect-timeout", po::value(&connect_timeout), "seconds for the connection and handshake (default 5)")(
        "max-message-size", po::value(&max_size), "largest captured frame payload accepted (default 134217728)");
    po::options_description hidden;
    hidden.add_options()("capture", po::value(&capture));
    po::options_description all;
    all.add(desc).add(hidden);
    po::positional_options_description pos;
    pos.add("capture", 1);
    // A peer that hangs up must be an error on the write, not the end of us.
    ::signal(SIGPIPE, SIG_IGN);
    po::variables_map vm;
    const auto done =
        parse_command_line("replay", po::command_line_parser(argc, argv).options(all).positional(pos), desc, USAGE, vm);
    if (done) return *done;
    if (capture.empty() || to.empty()) {
        std::cerr << "mitokit replay: a CAPTURE file and --to unix:PATH are required\n" << USAGE;
        return 2;
    }
    auto path = conformance::parse_unix_spec(to);
    if (!path) {
        std::cerr << "mitokit replay: " << path.error().message << "\n" << USAGE;
        return 2;
    }
    if (send != "auto" && send != "c2s" && send != "s2c") {
        std::cerr << "mitokit replay: --send must be c2s, s2c or auto, got '" << send << "'\n" << USAGE;
        return 2;
    }
    const auto rt = seconds_option("replay", "reply-timeout", reply_timeout);
    const auto si = seconds_option("replay", "silence", silence);
    const auto ct = seconds_option("replay", "connect-timeout", connect_timeout);
    if (!rt || !si || !ct) return 2;
    if (max_size == 0) {
        std::cerr << "mitokit replay: --max-message-size must be between 1 and 4294967295\n";
        return 2;
    }
    conformance::ReplayOptions opt;
    opt.capture_path = capture;
    opt.socket_path = *path;
    if (vm.count("conversation")) opt.conversation = conversation;
    if (send != "auto") opt.send_client_side = send == "c2s";
    for (const auto& m : maps) {
        unsigned long a = 0, b = 0;
        char eq = 0, extra = 0;
        if (std::sscanf(m.c_str(), "%lu%c%lu%c", &a, &eq, &b, &extra) != 3 || eq != '=' || a > UINT32_MAX ||
            b > UINT32_MAX || m.find('-') != std::string::npos) {
            std::cerr << "mitokit replay: --map needs CAPTURED=LIVE context IDs, got '" << m << "'\n" << USAGE;
            return 2;
        }
        if (!opt.id_map.emplace(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)).second) {
            std::cerr << "mitokit replay: --map gives context ID " << a << " twice\n" << USAGE;
            return 2;
        }
    }
    opt.shutdown = vm.count("shutdown") > 0;
    opt.keep_encoding = vm.count("keep-encoding") > 0;
    opt.reply_timeout = *rt;
    opt.silence = *si;
    opt.connect_timeout = *ct;
    opt.max_message_size = max_size;
    auto rows = conformance::run_replay(opt);
    if (!rows) {
        std::cerr << "mitokit replay: " << rows.error().message << "\n";
        return 1;
    }
    if (vm.count("json")) conformance::print_json_lines(std::cout, *rows);
    else conformance::print_table(std::cout, *rows);
    return conformance::failures(*rows) == 0 ? 0 : 1;
}

} // namespace mitokit::cli
