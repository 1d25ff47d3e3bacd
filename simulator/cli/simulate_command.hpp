// `mitokit simulate`: build a tree of contexts, run a workload, report.
#pragma once

namespace mitokit::cli {
int run_simulate(int argc, char** argv);
}
