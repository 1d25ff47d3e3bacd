// mitokit-sim: the simulator's subcommands as a standalone program, until (and
// besides) their registration in the main `mitokit` CLI.
#include <cstring>
#include <iostream>

#include "mitokit/cli/stdout_status.hpp"
#include "modules_command.hpp"
#include "simulate_command.hpp"

namespace {

int run(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "modules") == 0) return mitokit::cli::run_modules(argc - 1, argv + 1);
    if (argc >= 2 && std::strcmp(argv[1], "simulate") == 0) return mitokit::cli::run_simulate(argc - 1, argv + 1);
    std::cerr << "usage: mitokit-sim {simulate|modules} ...\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) { return mitokit::cli::with_stdout_status("mitokit-sim", run(argc, argv)); }
