// Node's private parts shared by its implementation files.
#pragma once

#include "mitokit/sim/node.hpp"

namespace mitokit::sim {

struct Node::Stream final : StreamHandler {
    Stream(Node& n, StreamId i, ContextId remote, std::string nm, StreamStart start,
           std::optional<ContextId> stamp, std::uint32_t max_size)
        : node(n), sid(i), remote_id(remote), name(std::move(nm)), stamp_auth(stamp),
          decoder(*this, StreamOptions{max_size, start}) {}

    void on_message(const MessageView& v) override { node.on_frame(sid, v); }
    void on_error(const Error& e) override { node.on_stream_error(sid, e); }

    Node& node;
    StreamId sid;
    ContextId remote_id;
    std::string name;
    std::optional<ContextId> stamp_auth;
    bool open = true;
    bool privileged = false;
    bool noticed = false;     // RouteMonitor owns its routes (a child stream)
    bool registered = false;  // register() ran: the disconnect cascade applies
    bool detached = false;    // the child sent DETACHING
    std::uint32_t env_tag = 0; // Node::stream_tag
    IdMap egress_ids;         // a set: the values are unused
    std::vector<ContextId> monitor_routes;              // RouteMonitor._routes_by_stream
    std::unique_ptr<std::set<std::string>> sent_modules; // made on first module sent
    StreamDecoder decoder;

    std::set<std::string>& sent() {
        if (!sent_modules)
            sent_modules = std::make_unique<std::set<std::string>>(modules::Planner::initial_sent_modules());
        return *sent_modules;
    }
};

struct Node::ImporterState {
    std::map<std::string, ModuleRef, std::less<>> cache;                        // Importer._cache
    std::map<std::string, std::vector<std::function<void()>>, std::less<>> waiting; // _callbacks
    std::map<std::string, std::vector<std::string>, std::less<>> present;      // _present
    std::set<std::string, std::less<>> imported;                               // sys.modules (fetched or local)
};

std::vector<std::uint8_t> text_bytes(std::string_view s);

} // namespace mitokit::sim
