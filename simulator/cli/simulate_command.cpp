#include "simulate_command.hpp"

#include <iostream>

namespace mitokit::cli {
int run_simulate(int, char**) {
    std::cerr << "mitokit simulate: not built yet\n";
    return 2;
}
} // namespace mitokit::cli
