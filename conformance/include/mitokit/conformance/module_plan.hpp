// The responder's plan (sim::ModuleCatalog over the served folders) as one-line
// summaries, so a LOAD_MODULE sequence from a live master can be compared with
// what our own responder would send for the same requests on the same stream.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mitokit/payloads.hpp"
#include "mitokit/result.hpp"

namespace mitokit::conformance {

class ModulePlan {
public:
    // `dirs`: the master's served folders, in sys.path order. The master is taken
    // to have imported every module they hold (as the reference script does).
    explicit ModulePlan(std::vector<std::string> dirs);
    ~ModulePlan();
    ModulePlan(const ModulePlan&) = delete;
    ModulePlan& operator=(const ModulePlan&) = delete;

    // What one GET_MODULE on this stream is answered with, in order; the stream's
    // sent set is updated as the responder's is.
    std::vector<std::string> plan(const std::string& fullname);

private:
    struct State;
    std::unique_ptr<State> st_;
};

// "name pkg[a,b] related[x,y] source:<sha1 of the source>" or "name negative".
std::string summarize(const payload::LoadModule& m);
// The summary of a received LOAD_MODULE payload (a parse or inflate failure is
// described instead).
std::string summarize_payload(std::span<const std::uint8_t> data);

} // namespace mitokit::conformance
