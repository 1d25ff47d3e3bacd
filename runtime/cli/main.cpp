// mitokit-parent: the `parent` subcommand as a standalone program (tests use it
// without the main CLI).
#include "parent_command.hpp"

int main(int argc, char** argv) { return mitokit::cli::run_parent(argc, argv); }
