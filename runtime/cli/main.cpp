// mitokit-parent: the `parent` subcommand as a standalone program (tests use it
// without the main CLI).
#include "mitokit/cli/stdout_status.hpp"
#include "parent_command.hpp"

int main(int argc, char** argv) {
    return mitokit::cli::with_stdout_status("mitokit-parent", mitokit::cli::run_parent(argc, argv));
}
