// mitokit parent: boot a real Python child, serve its imports, call a function
// (runtime/cli/parent_command.cpp does the work).
#include <string>
#include <vector>

#include "command.hpp"
#include "parent_command.hpp"

namespace mitokit::cli {

int cmd_parent(const CommandArgs& a) {
    std::vector<std::string> words;
    words.reserve(a.args.size() + 1);
    words.push_back(a.name);
    words.insert(words.end(), a.args.begin(), a.args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    return run_parent(static_cast<int>(words.size()), argv.data());
}

} // namespace mitokit::cli
