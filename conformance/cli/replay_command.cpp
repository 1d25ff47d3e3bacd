#include "conformance_commands.hpp"
namespace mitokit::cli {
int run_replay(int, char**) { return 1; }
}
