// mitokit parent: boot a real Python child, serve its imports, call a function
// (runtime/cli/parent_command.cpp does the work).
#include "command.hpp"
#include "parent_command.hpp"

namespace mitokit::cli {

int cmd_parent(const CommandArgs& a) { return run_main_style(a, run_parent); }

} // namespace mitokit::cli
