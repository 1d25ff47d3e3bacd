// Boost.Program_options glue shared by the subcommands: --help on every one,
// usage errors as exit status 2 with a pointer to --help.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

#include "command.hpp"

namespace mitokit::cli {

namespace po = boost::program_options;

struct CommandSpec {
    std::string usage;       // "mitokit decode [options] FILE|-"
    std::string description; // a paragraph under the usage line
    po::options_description options{"options"};
    po::positional_options_description positional;
};

// Parses `a.args` against `spec` (adding --help). Returns the variables on
// success; otherwise the exit status to return (0 after --help, 2 on a usage error).
struct Parsed {
    po::variables_map vm;
    std::optional<int> exit_now;
};
Parsed parse_command_line(const CommandArgs& a, CommandSpec& spec);

// "mitokit <cmd>: <message>" plus the --help pointer on stderr; returns EXIT_USAGE.
int usage_error(const std::string& command, const std::string& message);
// "mitokit <cmd>: <message>" on stderr; returns EXIT_BAD_INPUT.
int input_error(const std::string& command, const std::string& message);

} // namespace mitokit::cli
