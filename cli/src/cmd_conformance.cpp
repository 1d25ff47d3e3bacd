// mitokit conform / listen / peer / replay: the live conformance suite against
// real mitogen (conformance/cli does the work).
#include <string>
#include <vector>

#include "command.hpp"
#include "conformance_commands.hpp"

namespace mitokit::cli {
namespace {

int forward(const CommandArgs& a, int (*run)(int, char**)) {
    std::vector<std::string> words;
    words.reserve(a.args.size() + 1);
    words.push_back(a.name);
    words.insert(words.end(), a.args.begin(), a.args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    return run(static_cast<int>(words.size()), argv.data());
}

} // namespace

int cmd_conform(const CommandArgs& a) { return forward(a, run_conform); }
int cmd_listen(const CommandArgs& a) { return forward(a, run_listen); }
int cmd_peer(const CommandArgs& a) { return forward(a, run_peer); }
int cmd_replay(const CommandArgs& a) { return forward(a, run_replay); }

} // namespace mitokit::cli
