// The live suite `mitokit conform` runs against any peer that listens on a UNIX
// socket the way mitogen.unix.Listener does. It joins as a client (raw frames,
// so it can also send what a well-behaved router never would) and checks what
// the reference does: call results and CallError texts, dead-message reasons,
// silent drops (no reply within `silence`), routing refusals for UNIX clients,
// ID allocation, the responder's LOAD_MODULE sequences, and dropped connections.
//
// What the peer must provide (the reference side is conformance/reference_master.py):
//  - the listener runs in the master (context 0, or --listener-id), which
//  - has a child `target` (context 1 by default) that can import, from the
//    master, the modules in conformance/python (mitokit_conform: echo, add,
//    kwargs_items, fail, blob, length, Calc.double), and
//  - serves those modules to its UNIX clients too, having imported all of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mitokit/conformance/report.hpp"
#include "mitokit/result.hpp"

namespace mitokit::conformance {

class Recorder;

using std::chrono::milliseconds;

struct SuiteOptions {
    std::string socket_path;
    std::string modules_dir;             // conformance/python: what the master serves
    std::uint32_t target = 1;            // the context whose functions are called
    milliseconds reply_timeout{10000};   // for any answer that must come
    milliseconds silence{500};           // how long "no answer" is waited for
    milliseconds connect_timeout{5000};  // per connection, handshake included
    std::uint32_t max_message_size = 128u * 1048576u; // the peer's router limit
    std::vector<std::string> only;       // run only cases whose names start with one of these
    Recorder* recorder = nullptr;        // records every connection (outlives run_suite)
};

// Every case, in order. An error only when the first connection fails.
Result<std::vector<CaseResult>> run_suite(const SuiteOptions& opt);

// The case names, in order, for --list and the docs.
std::vector<std::string> suite_case_names();

} // namespace mitokit::conformance
