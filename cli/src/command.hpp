// The subcommand interface. A subcommand is one cmd_<name>.cpp defining
// `int cmd_<name>(const CommandArgs&)` plus one line in commands.def.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mitokit::cli {

// Exit statuses shared by every subcommand.
inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_BAD_INPUT = 1; // one line on stderr naming what and where
inline constexpr int EXIT_USAGE = 2;

struct CommandArgs {
    std::string name;              // "decode", for messages
    std::vector<std::string> args; // everything after the subcommand name
};

using CommandFn = int (*)(const CommandArgs&);

struct Command {
    std::string_view name;
    std::string_view summary; // one line for `mitokit --help`
    CommandFn run;
};

std::vector<Command> all_commands();

// Runs a folder's own `int run(argc, argv)` entry point (simulator/, runtime/,
// conformance/ parse their options themselves) with argv[0] = the subcommand name.
int run_main_style(const CommandArgs& a, int (*run)(int, char**));

} // namespace mitokit::cli
