#include "command.hpp"

namespace mitokit::cli {

#define MITOKIT_COMMAND(name, summary) int cmd_##name(const CommandArgs&);
#include "commands.def"
#undef MITOKIT_COMMAND

std::vector<Command> all_commands() {
    return {
#define MITOKIT_COMMAND(name, summary) Command{#name, summary, &cmd_##name},
#include "commands.def"
#undef MITOKIT_COMMAND
    };
}

int run_main_style(const CommandArgs& a, int (*run)(int, char**)) {
    std::vector<std::string> words;
    words.reserve(a.args.size() + 1);
    words.push_back(a.name);
    words.insert(words.end(), a.args.begin(), a.args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    return run(static_cast<int>(words.size()), argv.data());
}

} // namespace mitokit::cli
