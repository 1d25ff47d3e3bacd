// A C++ mitogen listener for the live suite: a master (context 0, sim::Node)
// with an in-process C++ child "target" (context 1) that runs the native
// mitokit_conform functions, and a UNIX listener (mitogen.unix's handshake)
// whose clients become streams of the master with the listener's auth_id
// stamp, as the reference registers them. The master serves the module folders
// through the reference's responder logic, so real mitogen.unix.connect()
// clients can call the target, import modules and allocate IDs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mitokit/result.hpp"
#include "mitokit/runtime/live_env.hpp"

namespace mitokit::conformance {

struct ListenerOptions {
    std::string socket_path;
    // Served to the target and to clients, in sys.path order (conformance/python
    // first, then the installed mitogen).
    std::vector<std::string> module_dirs;
    std::vector<std::string> stdlib_dirs{"/usr/lib/python3.11"};
    std::chrono::milliseconds handshake_timeout{5000}; // per client: its 4-byte pid
};

class CppListener {
public:
    static Result<std::unique_ptr<CppListener>> start(ListenerOptions opt);
    ~CppListener();
    CppListener(const CppListener&) = delete;
    CppListener& operator=(const CppListener&) = delete;

    const std::string& socket_path() const noexcept;
    std::uint32_t target() const noexcept { return 1; }
    std::size_t clients() const noexcept; // accepted so far
    runtime::LiveEnv& env() noexcept;

    // Serves until done() or the deadline; handshake failures are kept in errors().
    bool run_until(const std::function<bool()>& done, runtime::Clock::time_point deadline);
    const std::vector<std::string>& errors() const noexcept;

private:
    struct State;
    explicit CppListener(std::unique_ptr<State> s);
    std::unique_ptr<State> st_;
};

} // namespace mitokit::conformance
