// mitokit: dispatches argv[1] to a subcommand from commands.def.
#include <cstdio>
#include <string>
#include <string_view>

#include "command.hpp"
#include "mitokit/cli/stdout_status.hpp"

namespace {

using namespace mitokit::cli;

void print_help(std::FILE* to) {
    std::fputs("usage: mitokit <command> [options] [args]\n\n"
               "A toolkit for mitogen's wire protocol.\n\ncommands:\n", to);
    for (const auto& c : all_commands())
        std::fprintf(to, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                     static_cast<int>(c.summary.size()), c.summary.data());
    std::fputs("\nRun 'mitokit <command> --help' for a command's options.\n"
               "Exit status: 0 ok, 1 bad input (one line on stderr), 2 usage error.\n", to);
}

int run(int argc, char** argv) {
    if (argc < 2) {
        print_help(stdout);
        return EXIT_OK;
    }
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        print_help(stdout);
        return EXIT_OK;
    }
    for (const auto& c : all_commands()) {
        if (c.name != first) continue;
        CommandArgs a;
        a.name = std::string(c.name);
        for (int i = 2; i < argc; ++i) a.args.emplace_back(argv[i]);
        return c.run(a);
    }
    std::fprintf(stderr, "mitokit: unknown command '%s' (run 'mitokit --help' for the list)\n", argv[1]);
    return EXIT_USAGE;
}

} // namespace

int main(int argc, char** argv) { return with_stdout_status("mitokit", run(argc, argv)); }
