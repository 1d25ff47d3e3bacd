// Node's private parts shared by its implementation files.
#pragma once

#include "mitokit/sim/node.hpp"
#include "mitokit/sim/node_scratch.hpp"

namespace mitokit::sim {

struct Node::ImporterState {
    std::map<std::string, ModuleRef, std::less<>> cache;                        // Importer._cache
    std::map<std::string, std::vector<std::function<void()>>, std::less<>> waiting; // _callbacks
    std::map<std::string, std::vector<std::string>, std::less<>> present;      // _present
    std::set<std::string, std::less<>> imported;                               // sys.modules (fetched or local)
};

std::vector<std::uint8_t> text_bytes(std::string_view s);

} // namespace mitokit::sim
