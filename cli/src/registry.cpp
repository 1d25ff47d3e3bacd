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

} // namespace mitokit::cli
