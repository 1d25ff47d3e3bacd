// `mitokit parent ...`: boot a real Python child, serve its imports, call one function.
#pragma once

namespace mitokit::cli {
// argv[0] is "parent". Exit 0: the call returned a value; 1: CallError, boot or
// call failure (one line on stderr); 2: usage.
int run_parent(int argc, char** argv);
}
