// The simulator's subcommands (implemented in simulator/cli/, linked in by
// simulator/CMakeLists.txt) adapted to the CommandArgs interface.
#include <string>
#include <vector>

#include <iostream>

#include "command.hpp"
#if __has_include("simulate_command.hpp")
#include "modules_command.hpp"
#include "simulate_command.hpp"
#define MITOKIT_HAVE_SIMULATOR 1
#endif

namespace mitokit::cli {
namespace {

[[maybe_unused]] int forward(const CommandArgs& a, int (*fn)(int, char**)) {
    std::vector<std::string> store;
    store.push_back(a.name);
    store.insert(store.end(), a.args.begin(), a.args.end());
    std::vector<char*> argv;
    for (auto& s : store) argv.push_back(s.data());
    argv.push_back(nullptr);
    return fn(static_cast<int>(store.size()), argv.data());
}

} // namespace

#ifdef MITOKIT_HAVE_SIMULATOR
int cmd_simulate(const CommandArgs& a) { return forward(a, &run_simulate); }
int cmd_modules(const CommandArgs& a) { return forward(a, &run_modules); }
#else
int cmd_simulate(const CommandArgs& a) {
    std::cerr << "mitokit " << a.name << ": this build has no simulator/\n";
    return EXIT_USAGE;
}
int cmd_modules(const CommandArgs& a) { return cmd_simulate(a); }
#endif

} // namespace mitokit::cli
