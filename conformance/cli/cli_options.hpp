// Option checks the conformance subcommands share.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>

#include "mitokit/cli/strict_parse.hpp"

namespace mitokit::cli {

// A timeout given in seconds: (0, 86400], else a usage message naming the option.
inline std::optional<std::chrono::milliseconds> seconds_option(const char* cmd, const char* name, double s) {
    if (!(s > 0) || !std::isfinite(s) || s > 86400) {
        std::cerr << "mitokit " << cmd << ": --" << name << " must be more than 0 and at most 86400 seconds\n";
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(s * 1000)));
}

inline std::string default_conformance_dir() { return MITOKIT_CONFORMANCE_DIR; }

// Runs `parser` into `vm`. Returns the exit status when the command is done: 2
// after a bad option (the error, then `usage`), 0 after --help (`usage`, then
// `help`); nullopt to go on.
inline std::optional<int> parse_command_line(const char* cmd, boost::program_options::command_line_parser parser,
                                             const boost::program_options::options_description& help,
                                             const char* usage, boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    try {
        const auto parsed = parse_strictly(std::move(parser));
        po::store(parsed, vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "mitokit " << cmd << ": " << e.what() << "\n" << usage;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << usage << help;
        return 0;
    }
    return std::nullopt;
}

} // namespace mitokit::cli
