// `mitokit peer`: a C++ context (sim::Node driven by LiveEnv, with the native
// mitokit_conform functions) joins a running real mitogen master through its
// UNIX listener, as mitogen.unix.connect() does, and checks how it is treated:
//  - the master calls native functions in it (context.call, CallChain) and gets
//    the same results and CallErrors as from its Python child "target";
//  - its imports (GET_MODULE) are answered with the LOAD_MODULE sequence our
//    responder plans for the master's state;
//  - its FORWARD_LOG appears in the master's logging;
//  - ALLOCATE_ID gives it a block of IDs;
//  - forged auth_id/src_id, routes from a UNIX client, a bad magic and an
//    over-size header are refused or dropped (the suite's raw cases).
// The master must be conformance/reference_master.py (or act as it does): its
// control handle (CONTROL_HANDLE) makes the master call into the peer and
// report its log.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mitokit/conformance/report.hpp"
#include "mitokit/result.hpp"

namespace mitokit::conformance {

inline constexpr std::uint32_t CONTROL_HANDLE = 500;

struct PeerOptions {
    std::string socket_path;
    std::string modules_dir;                 // what the master serves (conformance/python)
    std::chrono::milliseconds reply_timeout{20000};
    std::chrono::milliseconds silence{500};
    std::chrono::milliseconds connect_timeout{5000};
    bool raw_cases = true;                   // also run the suite's refusal cases
};

// The cases in order; an error only if the first connection fails.
Result<std::vector<CaseResult>> run_peer(const PeerOptions& opt);

} // namespace mitokit::conformance
