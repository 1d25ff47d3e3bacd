// `mitokit modules ...`: the module responder's planning on real trees.
#pragma once

namespace mitokit::cli {
int run_modules(int argc, char** argv);
}
