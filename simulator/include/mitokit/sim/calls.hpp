// Helpers for code that calls functions in contexts (workloads, tests): build a
// CALL_FUNCTION payload and read a reply the way a Receiver would.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/value.hpp"
#include "mitokit/sim/message.hpp"

namespace mitokit::sim {

// (chain_id or None, module, klass, function, args, Kwargs): fill args with the
// returned call's doc, e.g. c.args = c.doc.tuple({c.doc.integer(1)}).
payload::CallFunction make_call(std::string_view module, std::optional<std::string> klass, std::string_view function,
                                std::optional<std::string> chain_id = std::nullopt);

// parent.Router.proxy_connect's call to the via context, as the reference sends it
// for router.local(via=...): _proxy_connect(name=None, method_name='local',
// kwargs=Kwargs(debug=False, profiling=False, unidirectional=...)).
payload::CallFunction make_proxy_connect_call(bool unidirectional);

struct Reply {
    bool dead = false;
    std::string dead_reason;                 // ChannelError text
    std::optional<std::string> call_error;   // a CallError reply
    std::optional<std::string> decode_error; // the reply did not unpickle
    pickle::Document doc;
    pickle::NodeId root = pickle::NO_NODE;
    // An MI reply is its first pickle, as 0.3.3's Message.unpickle reads it; the
    // bytes after it are counted here, not read.
    std::size_t trailing_bytes = 0;
    bool ok() const noexcept { return !dead && !call_error && !decode_error; }
    std::optional<std::int64_t> integer() const;
};

Reply read_reply(const Message& m);
// The same into `into`, reusing its Document's storage (a caller reading many replies).
void read_reply(const Message& m, Reply& into);

} // namespace mitokit::sim
