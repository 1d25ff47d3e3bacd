#include "options.hpp"

#include <cstdio>
#include <iostream>

#include "mitokit/cli/strict_parse.hpp"

namespace mitokit::cli {

int usage_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "mitokit %s: %s\nTry 'mitokit %s --help'.\n", command.c_str(), message.c_str(),
                 command.c_str());
    return EXIT_USAGE;
}

int input_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "mitokit %s: %s\n", command.c_str(), message.c_str());
    return EXIT_BAD_INPUT;
}

Parsed parse_command_line(const CommandArgs& a, CommandSpec& spec) {
    spec.options.add_options()("help,h", "show this help and exit");
    Parsed p;
    try {
        const auto parsed = parse_strictly(po::command_line_parser(a.args).options(spec.options).positional(spec.positional));
        po::store(parsed, p.vm);
        if (p.vm.count("help")) {
            std::cout << "usage: " << spec.usage << "\n\n" << spec.description << "\n\n" << spec.options << std::flush;
            p.exit_now = EXIT_OK;
            return p;
        }
        po::notify(p.vm);
    } catch (const po::error& e) {
        p.exit_now = usage_error(a.name, e.what());
    }
    return p;
}

} // namespace mitokit::cli
