// The simulator's subcommands (implemented in simulator/cli/, linked in by
// simulator/CMakeLists.txt) adapted to the CommandArgs interface.
#include <iostream>

#include "command.hpp"
#if __has_include("simulate_command.hpp")
#include "modules_command.hpp"
#include "simulate_command.hpp"
#define MITOKIT_HAVE_SIMULATOR 1
#endif

namespace mitokit::cli {

#ifdef MITOKIT_HAVE_SIMULATOR
int cmd_simulate(const CommandArgs& a) { return run_main_style(a, &run_simulate); }
int cmd_modules(const CommandArgs& a) { return run_main_style(a, &run_modules); }
#else
int cmd_simulate(const CommandArgs& a) {
    std::cerr << "mitokit " << a.name << ": this build has no simulator/\n";
    return EXIT_USAGE;
}
int cmd_modules(const CommandArgs& a) { return cmd_simulate(a); }
#endif

} // namespace mitokit::cli
