// A C++ mitogen master (context 0) with real Python children: it boots them,
// serves their GET_MODULE from source folders through the reference's responder
// logic (sim::ModuleCatalog), answers ALLOCATE_ID, handles ADD_ROUTE/DEL_ROUTE
// and FORWARD_LOG, calls functions in them and shuts them down.
//
// The master's "sys.modules" (which names may appear in a LOAD_MODULE's related
// list) is read from a file, or taken as every name the served folders can
// provide, as if the master had imported what it serves; stdlib and unservable names are answered
// negatively, as the reference does, so no child import ever waits forever.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/result.hpp"
#include "mitokit/runtime/live_env.hpp"
#include "mitokit/sim/calls.hpp"

namespace mitokit::runtime {

struct ParentOptions {
    std::vector<std::string> paths;                                    // served folders, sys.path order
    std::vector<std::string> system_paths{"/usr/lib/python3/dist-packages"}; // after `paths`: installed mitogen and friends
    std::vector<std::string> stdlib_dirs{"/usr/lib/python3.11"};      // refused as stdlib
    std::string core_path = "/usr/lib/python3/dist-packages/mitogen/core.py";
    // The master's sys.modules as a file (sim::LoadedFile format: "name[<TAB>stdlib|nofile|-]"
    // per line); empty: every servable name counts as imported.
    std::string loaded_file;
    LiveOptions live;
};

struct ModuleCounts {
    std::uint64_t get_module = 0;  // GET_MODULE requests received from direct children
    std::uint64_t load_module = 0; // LOAD_MODULE replies sent to them
};

class Parent {
public:
    static Result<std::unique_ptr<Parent>> create(ParentOptions opt);
    ~Parent();
    Parent(const Parent&) = delete;
    Parent& operator=(const Parent&) = delete;

    // router.local(): allocates the next context ID and boots a Python child.
    Result<sim::ContextId> local(const std::string& name = {});

    // An in-process C++ context (sim::Node with the standard native functions:
    // posix.getpid, mitogen.parent._proxy_connect, mitokit.sim.*) as a child of
    // the master, over a real socketpair. Its _proxy_connect boots a real Python
    // child under it: a mixed tree.
    Result<sim::ContextId> local_cpp(const std::string& name = {});

    // Calls module[.klass].function(*args, **kwargs) in `target` and waits for the
    // reply. `args_json` is canonical JSON of a list or tuple, `kwargs_json` of a
    // dict or Kwargs with str keys (value-json.md). A CallError is a successful
    // Result whose Reply has call_error set; errors are: bad arguments, no reply
    // before the timeout, or the context's link gone (with the child's status).
    Result<sim::Reply> call(sim::ContextId target, std::string_view module, std::optional<std::string> klass,
                            std::string_view function, std::string_view args_json = "[]",
                            std::string_view kwargs_json = "{\"kwargs\":[]}", milliseconds timeout = milliseconds(30000));

    // SHUTDOWN to every child, then waits for their processes (killing those
    // still running at the deadline). Idempotent.
    Status shutdown(milliseconds timeout = milliseconds(5000));

    ModuleCounts module_counts() const;
    LiveEnv& env() noexcept;
    sim::Node& master() noexcept;

private:
    struct State;
    explicit Parent(std::unique_ptr<State> s);
    std::unique_ptr<State> st_;
};

// Builds a CALL_FUNCTION's args tuple and Kwargs from canonical JSON.
Status set_call_arguments(payload::CallFunction& call, std::string_view args_json, std::string_view kwargs_json);

} // namespace mitokit::runtime
