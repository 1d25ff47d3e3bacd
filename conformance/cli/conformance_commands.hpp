// The conformance subcommands; argv[0] is the subcommand's name. Exit status:
// 0 every case passed (or the listener ended cleanly), 1 a case failed or bad
// input (one line on stderr), 2 usage.
#pragma once

namespace mitokit::cli {
int run_conform(int argc, char** argv); // mitokit conform --peer unix:PATH [--json]
int run_listen(int argc, char** argv);  // mitokit listen --socket PATH
int run_peer(int argc, char** argv);    // mitokit peer --master unix:PATH
int run_replay(int argc, char** argv);  // mitokit replay CAPTURE --to unix:PATH
} // namespace mitokit::cli
