// Node's private parts shared by its implementation files.
#pragma once

#include "mitokit/sim/node.hpp"
#include "mitokit/sim/node_scratch.hpp"

namespace mitokit::sim {

struct Node::Stream final : StreamHandler {
    Stream(Node& n, StreamId i, ContextId remote, std::string nm, StreamStart st, std::optional<ContextId> stamp)
        : node(n), sid(i), remote_id(remote), start(st), stamp_auth(stamp), name(std::move(nm)) {}

    void on_message(const MessageView& v) override {
        at_boundary = v.offset + HEADER_SIZE + v.header.length == fed; // the chunk ends with this frame
        node.on_frame(sid, v);
    }
    void on_error(const Error& e) override { node.on_stream_error(sid, e); }

    // What every frame through the stream reads comes first.
    Node& node;
    StreamId sid;
    ContextId remote_id;
    std::uint32_t env_tag = 0; // Node::stream_tag
    bool open = true;
    bool privileged = false;
    bool noticed = false;     // RouteMonitor owns its routes (a child stream)
    bool registered = false;  // register() ran: the disconnect cascade applies
    bool detached = false;    // the child sent DETACHING
    bool at_boundary = false; // the bytes fed so far end with a whole frame
    bool monitor_self = false;
    StreamStart start;        // how the next decoder begins (frames once one has seen a frame)
    std::optional<ContextId> stamp_auth;
    IdMap egress_ids;         // a set: the values are unused
    // Made when bytes arrive and dropped again at a frame boundary, so an idle
    // stream holds no decoder (most of a million contexts are idle). A new one
    // resumes at stream offset `fed` (counted before each chunk is fed).
    std::unique_ptr<StreamDecoder> decoder;
    std::uint64_t fed = 0;
    // RouteMonitor._routes_by_stream: the child itself (monitor_self, no heap for
    // a leaf) and the routes it announced (monitor_routes).
    std::vector<ContextId> monitor_routes;
    std::unique_ptr<std::set<std::string>> sent_modules; // made on first module sent
    std::string name;

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
