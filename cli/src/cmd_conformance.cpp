// mitokit conform / listen / peer / replay: the live conformance suite against
// real mitogen (conformance/cli does the work).
#include "command.hpp"
#include "conformance_commands.hpp"

namespace mitokit::cli {

int cmd_conform(const CommandArgs& a) { return run_main_style(a, run_conform); }
int cmd_listen(const CommandArgs& a) { return run_main_style(a, run_listen); }
int cmd_peer(const CommandArgs& a) { return run_main_style(a, run_peer); }
int cmd_replay(const CommandArgs& a) { return run_main_style(a, run_replay); }

} // namespace mitokit::cli
