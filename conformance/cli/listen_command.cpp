#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli_options.hpp"
#include "conformance_commands.hpp"
#include "mitokit/conformance/endpoint.hpp"
#include "mitokit/conformance/listener.hpp"
#include "mitokit/conformance/report.hpp"
#include "mitokit/transport/fd.hpp"

namespace mitokit::cli {
namespace po = boost::program_options;
namespace {

const char* const USAGE =
    "usage: mitokit listen --socket PATH [--path DIR...] [--for S] [--handshake-timeout S]\n"
    "A C++ mitogen listener: a master (context 0) with a C++ child \"target\" (context 1)\n"
    "running the native mitokit_conform functions, and a UNIX listener with mitogen.unix's\n"
    "handshake at PATH. Real mitogen.unix.connect() clients (or `mitokit conform`) call the\n"
    "target through it. When ready it prints {\"socket\", \"pid\", \"target\"} as one JSON line;\n"
    "it serves until SIGTERM or SIGINT, or for --for seconds, then removes the socket.\n";

} // namespace

int run_listen(int argc, char** argv) {
    std::string socket;
    std::vector<std::string> paths;
    double for_s = 0, handshake = 5;
    po::options_description desc("mitokit listen");
    desc.add_options()("help,h", "show this help")("socket", po::value(&socket), "the listener's path (or unix:PATH)")(
        "path", po::value(&paths)->multitoken()->composing(),
        "folders the master serves, in order (default: conformance/python, then /usr/lib/python3/dist-packages)")(
        "for", po::value(&for_s), "serve for this many seconds, then exit 0 (default: until a signal)")(
        "handshake-timeout", po::value(&handshake), "seconds a new client has to send its pid (default 5)");
    po::variables_map vm;
    const auto done =
        parse_command_line("listen", po::command_line_parser(argc, argv).options(desc), desc, USAGE, vm);
    if (done) return *done;
    if (socket.empty()) {
        std::cerr << "mitokit listen: --socket PATH is required\n" << USAGE;
        return 2;
    }
    if (socket.rfind("unix:", 0) == 0) {
        auto p = conformance::parse_unix_spec(socket);
        if (!p) {
            std::cerr << "mitokit listen: " << p.error().message << "\n";
            return 2;
        }
        socket = *p;
    }
    const auto hs = seconds_option("listen", "handshake-timeout", handshake);
    if (!hs) return 2;
    std::optional<std::chrono::milliseconds> serve_for;
    if (vm.count("for")) {
        serve_for = seconds_option("listen", "for", for_s);
        if (!serve_for) return 2;
    }
    conformance::ListenerOptions opt;
    opt.socket_path = socket;
    opt.module_dirs = paths.empty()
                          ? std::vector<std::string>{default_conformance_dir() + "/python", "/usr/lib/python3/dist-packages"}
                          : paths;
    opt.handshake_timeout = *hs;

    // SIGTERM and SIGINT end the loop through a signalfd, so the socket is removed.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
        std::cerr << "mitokit listen: cannot block SIGTERM/SIGINT\n";
        return 1;
    }
    transport::Fd sfd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) {
        std::cerr << "mitokit listen: signalfd failed\n";
        return 1;
    }
    auto l = conformance::CppListener::start(opt);
    if (!l) {
        std::cerr << "mitokit listen: " << l.error().message << "\n";
        return 1;
    }
    bool stop = false;
    (*l)->env().watch(sfd.get(), [&] { stop = true; });
    std::cout << "{\"socket\":" << conformance::json_string((*l)->socket_path()) << ",\"pid\":" << ::getpid()
              << ",\"target\":" << (*l)->target() << "}" << std::endl;
    const auto deadline = serve_for ? runtime::Clock::now() + *serve_for : runtime::Clock::now() + std::chrono::hours(24 * 365);
    (*l)->run_until([&] { return stop; }, deadline);
    (*l)->env().unwatch(sfd.get());
    for (const auto& e : (*l)->errors()) std::cerr << "mitokit listen: " << e << "\n";
    return 0;
}

} // namespace mitokit::cli
