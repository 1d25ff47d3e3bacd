// One mitogen context: the reference's Router (_async_route, handlers, policies,
// dead messages), RouteMonitor, ID allocation, Dispatcher (CALL_FUNCTION),
// log forwarding, shutdown/detach, and the importer, responder and forwarder.
//
// A Node sees only Streams (bytes in, bytes out, through its own StreamDecoder)
// and a NodeEnv (clock, deferral, spawning, observation). The simulator drives it
// with virtual links and simulated time; real transports can drive the same Node
// with file descriptors and wall time.
//
// Scale: an idle leaf holds one stream and almost no heap tables (routes and
// egress IDs are flat IdMaps, IDs are integers, module data is shared through
// NodeShared). A frame that only passes through is routed from the decoder's
// view of it and written on without being copied into a Message.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/id_list.hpp"
#include "mitokit/sim/id_map.hpp"
#include "mitokit/sim/id_set.hpp"
#include "mitokit/sim/message.hpp"
#include "mitokit/sim/module_catalog.hpp"
#include "mitokit/sim/parent_ids.hpp"
#include "mitokit/sim/reply_handlers.hpp"
#include "mitokit/sim/scheduler.hpp"
#include "mitokit/sim/slot_table.hpp"
#include "mitokit/sim/step_loop.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::sim {

class Node;

// Things a node reports. Each is counted; the simulation also logs them.
enum class Note : std::uint8_t {
    bad_auth_drop,      // silent drop (reference logs "bad auth_id")
    bad_src_drop,       // silent drop (reference logs "bad src_id")
    dead_invalid_handle,
    dead_refused,
    dead_no_route,
    dead_too_large,
    dead_unidirectional,
    dead_unexpected_reply,
    dead_dropped,         // a dead message that nobody could be told about (reply_to 0)
    stream_error,         // bad magic / oversize / truncated: stream dropped
    duplicate_route,      // ADD_ROUTE for a known ID (logged ERROR, ignored)
    bad_del_route,        // DEL_ROUTE from the wrong stream (logged ERROR, ignored)
    del_route_stub,       // plain child heard DEL_ROUTE (logged ERROR)
    duplicate_get_module, // GET_MODULE for a name already sent (warning, nothing sent)
    forward_module_drop,  // FORWARD_MODULE toward the parent (logged ERROR)
    handler_error,        // a handler rejected its payload (reference: logged exception)
    send_on_closed,       // a write to a stream already gone (the reference drops it too)
    call_started,
    call_finished,
    count_
};
const char* note_name(Note n) noexcept;

class NodeEnv {
public:
    virtual ~NodeEnv() = default;
    virtual Time now() const = 0;
    // Bytes for the peer of `s`, in order.
    virtual void write(Node& n, StreamId s, std::vector<std::uint8_t> bytes) = 0;
    // One frame for the peer of `s` (h.length is taken from payload.size()). The
    // default encodes it and calls write(); an env may put the header and payload
    // straight into its own buffers. `payload` is valid only during the call.
    virtual void write_frame(Node& n, StreamId s, const Header& h, std::span<const std::uint8_t> payload) {
        write(n, s, encode_frame(h, payload));
    }
    // The node hangs up `s`: the peer sees end of file after bytes already written.
    virtual void close_stream(Node& n, StreamId s) = 0;
    // Run `fn` later in this node's context (the broker's defer, or a busy main thread).
    virtual void defer(Node& n, Time delay, std::function<void()> fn) = 0;
    // Router.route(): call n.route_now(msg) from the broker, after what is already
    // deferred. The default defers a closure; an env may queue the message itself.
    virtual void defer_route(Node& n, Message msg);
    // The same for a frame given as header and payload (copied during the call):
    // the default makes a Message; an env may copy into a buffer it reuses.
    virtual void defer_route_frame(Node& n, const Header& h, std::span<const std::uint8_t> payload) {
        defer_route(n, Message{h, {payload.begin(), payload.end()}});
    }
    // The main thread is busy for `delay`, then n.main_thread_free(). The default
    // defers a closure; an env may schedule it without one.
    virtual void defer_main_thread(Node& n, Time delay);
    // Broker._broker_shutdown's grace period: n.shutdown_deadline_passed() after
    // `delay`. The default defers a closure, which finds nothing to do if n has
    // exited by then; an env may drop the timer when n exits instead.
    virtual void shutdown_deadline(Node& n, Time delay);
    virtual void note(Node& n, Note what, const Header* h, std::string_view detail) = 0;
    // parent.Router.local(): start a child with this ID, its name `name` (empty
    // for the default, "local.<id>"); call parent.spawn_connected(spawn, stream)
    // once it is up (MITO002 seen). The parent finds the spawn again by that
    // word: an env keeps no closure a child.
    virtual void spawn_child(Node& parent, ContextId id, std::string name, std::uint32_t spawn) = 0;
    // The master's log sink (FORWARD_LOG).
    virtual void log_record(Node& master, ContextId src, std::string_view logger, int level,
                            std::string_view text) = 0;
    // The node's process has ended (after SHUTDOWN, losing its parent, or a crash).
    virtual void exited(Node& n) = 0;
};

class NodeScratch;
class BlockPool;
struct RunningCall;
struct CallQueue;

struct NodeShared {
    const FunctionRegistry* functions = nullptr;
    NodeScratch* scratch = nullptr;       // pooled decoders and calls (optional; the simulation's)
    BlockPool* stream_blocks = nullptr;   // where a parent's streams to its children live (optional; the simulation's)
    ModuleCatalog* modules = nullptr;     // master's responder + interned module data
    std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
    bool unidirectional = false;
    Time call_cost = 20 * US;             // main-thread time per CALL_FUNCTION
    Time shutdown_timeout = 3 * SEC;      // Broker.shutdown_timeout: how long a shutdown waits for streams
    std::uint32_t id_block = 1000;        // IdAllocator.BLOCK_SIZE
};

struct NodeConfig {
    ContextId id = 0;
    ParentIds parent_ids; // nearest first, ending in 0; empty for the master
};

class Node {
public:
    Node(NodeEnv& env, const NodeShared& shared, NodeConfig cfg);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    ContextId id() const noexcept { return id_; }
    bool is_master() const noexcept { return !has_parent_; }
    std::optional<ContextId> parent_id() const noexcept {
        return has_parent_ ? std::optional<ContextId>(parent0_) : std::nullopt;
    }
    bool alive() const noexcept { return alive_; }
    bool upgraded() const noexcept { return upgraded_; }

    // --- streams -------------------------------------------------------------
    // A new stream to `remote_id`, named `name` or, when that is empty, by the
    // default "local.<remote_id>". `stamp_auth` is a UNIX listener's auth_id stamp.
    StreamId add_stream(ContextId remote_id, std::string_view name, StreamStart start = StreamStart::frames,
                        std::optional<ContextId> stamp_auth = std::nullopt);
    // Child side: the stream to the parent is up.
    void attach_parent(StreamId s);
    // Parent side: a child finished connecting: register() + RouteMonitor.notice_stream().
    void child_connected(StreamId s);
    // A direct peer that is not a child and announces no routes (UNIX client).
    void register_peer(StreamId s);
    void receive(StreamId s, std::span<const std::uint8_t> bytes);
    void eof(StreamId s);                  // the peer hung up
    void disconnect_stream(StreamId s);    // we hang up (and run the disconnect cascade)

    // --- acting as a Python program would --------------------------------------
    // Router.route(): deferred to the broker (NodeEnv::defer_route).
    void route(Message msg);
    // The broker's half of route(): _async_route with no input stream. May take
    // msg's data (a message that stops here and waits); the caller may reuse
    // what is left.
    void route_now(Message& msg);
    // The same for a frame given as header and payload (the payload is read during
    // the call only; a Message is made if the frame stops here).
    void route_now_frame(const Header& h, std::span<const std::uint8_t> payload);
    // A fresh reply handle; `fn` gets the reply or a (possibly local) dead message.
    std::uint32_t add_reply_handler(std::optional<ContextId> respondent,
                                    std::function<void(Node&, const Message&)> fn);
    // Context.call_async: CALL_FUNCTION to `target`, reply to `on_reply`.
    void call_async(ContextId target, const payload::CallFunction& call,
                    std::function<void(Node&, const Message&)> on_reply);
    // The same with the payload already pickled (build_call_function), for a
    // caller that sends one call to many contexts.
    void call_async_pickled(ContextId target, std::span<const std::uint8_t> payload,
                            std::function<void(Node&, const Message&)> on_reply);
    // Context.call_no_reply: CALL_FUNCTION with no reply handle.
    void call_no_reply_pickled(ContextId target, std::span<const std::uint8_t> payload);
    // LogHandler: FORWARD_LOG to the master.
    void log(std::string_view logger, int level, std::string_view text);
    // parent.Router.local(): allocate an ID (a round trip for non-masters) and spawn.
    // done(id, stream) once connected; done(nullopt, NO_STREAM) if no ID could be had.
    void spawn_child(std::string name, std::function<void(std::optional<ContextId>, StreamId)> done);
    // The env's answer to NodeEnv::spawn_child: the child of spawn `spawn` is up on stream `s`.
    void spawn_connected(std::uint32_t spawn, StreamId s);
    // Importer: import `fullname` as the main thread would; done(error or empty).
    void import_module(const std::string& fullname, std::function<void(std::optional<std::string>)> done);
    // Broker shutdown: SHUTDOWN to children, then exit once every stream but the
    // parent's has gone (or after shutdown_timeout). Routing goes on meanwhile, so
    // the DEL_ROUTEs of children that exit first still travel up.
    void shutdown();
    // The process dies at once: streams close with nothing more written.
    void crash();
    void detach();
    // The shutdown grace period is over: exit whatever streams are still open.
    void shutdown_deadline_passed();
    // Dispatcher.forget_chain.
    void forget_chain(const std::string& chain_id);
    // The main thread has finished a call (NodeEnv::defer_main_thread): take the next.
    void main_thread_free();
    // ModuleResponder.forward_modules (master): push modules toward a deep context.
    void forward_modules(ContextId target, const std::vector<std::string>& names);
    const ParentIds& parent_ids() const noexcept { return parent_ids_; }
    NodeEnv& env() noexcept { return env_; }
    // Free for the NodeEnv's own use (the simulation keeps its node index here).
    std::uint32_t env_tag = 0;
    // Per stream, also free for the NodeEnv (the simulation keeps the link there).
    void set_stream_tag(StreamId s, std::uint32_t tag);
    std::uint32_t stream_tag(StreamId s) const { return streams_.at(s)->env_tag; }

    // --- observation (tests, invariants, reports) -----------------------------
    std::size_t stream_count() const noexcept { return streams_.size(); }
    bool stream_open(StreamId s) const { return s < streams_.size() && streams_[s]->open; }
    // A hint that bytes for `s` come soon: stage 0 loads the stream's table slot
    // and a small route table, stage 1 (once those are in) the stream itself.
    // `head`, when not null, holds the next frame's routing IDs as it will arrive
    // (maybe garbled): the route table slots they hash to are loaded too, and at
    // stage 2 the stream's egress set's. Changes nothing.
    void prefetch_stream(StreamId s, int stage, const RoutingIds* head = nullptr) const noexcept;
    // A hint that main_thread_free() comes soon: stage 0 loads the Dispatcher's state,
    // 1 the call queue (if any), 2 its next message, 3 that message's bytes.
    void prefetch_main_thread(int stage) const noexcept;
    // The stream holds the start of a frame not yet complete (a partial or bogus
    // header from the peer): frames that follow are read through it, or wait for
    // bytes that never come, as they would on the reference's stream.
    bool stream_mid_frame(StreamId s) const;
    ContextId stream_remote(StreamId s) const;
    std::optional<StreamId> route_for(ContextId id) const; // _stream_by_id.get(id), no fallback
    std::vector<ContextId> routes() const;                 // every ID with an own route
    template <class Pred>
    bool any_route(Pred&& pred) const { // pred(id) for some ID with an own route
        bool hit = false;
        route_.for_each_any_order([&](ContextId id, StreamId) { hit = hit || pred(id); });
        return hit;
    }
    // The shortcuts _async_route takes (the parent's stream, each stream's
    // routed_here) agree with the route table: an invariant, checked after runs.
    bool route_cache_consistent() const;
    std::size_t pending_replies() const noexcept { return handlers_ ? handlers_->size() : 0; }
    std::size_t queued_calls() const noexcept;
    bool module_cached(std::string_view name) const;
    bool module_imported(std::string_view name) const;
    std::size_t memory_estimate() const; // bytes owned, for the scale report

private:
    struct Stream final : StreamHandler {
        Stream(Node& n, StreamId i, ContextId remote, std::string_view nm, StreamStart st, std::optional<ContextId> stamp)
            : node(n), sid(i), remote_id(remote), start(st), stamp_auth(stamp) {
            if (nm == "parent") parent_named = true;
            else if (!nm.empty() && !is_default_name(nm, remote)) custom_name = std::make_unique<std::string>(nm);
        }

        // Called directly (Stream is final) by Node::receive's scan of whole frames.
        void on_message(const MessageView& v) override {
            at_boundary = v.offset + HEADER_SIZE + v.header.length == fed; // the chunk ends with this frame
            // An earlier frame of the chunk may have closed the stream or ended the process.
            if (node.alive_ && open) node.route_frame(v.header, v.payload, sid, nullptr);
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
        bool routed_here = false; // the route table sends remote_id to this stream (set_route keeps it)
        bool parent_named = false; // name() is "parent"
        StreamStart start;        // how the next decoder begins (frames once one has seen a frame)
        std::optional<ContextId> stamp_auth;
        IdSet egress_ids;         // every destination routed from this stream (egress_ids)
        // Made when bytes arrive and dropped again at a frame boundary, so an idle
        // stream holds no decoder (most of a million contexts are idle). A new one
        // resumes at stream offset `fed` (counted before each chunk is fed).
        std::unique_ptr<StreamDecoder> decoder;
        std::uint64_t fed = 0;
        // RouteMonitor._routes_by_stream: the child itself (monitor_self, no heap for
        // a leaf) and the routes it announced (monitor_routes, made on the first).
        IdList monitor_routes;
        std::unique_ptr<std::set<std::string>> sent_modules; // made on first module sent
        // The two names nearly every stream has, a child's default "local.<id>" and a
        // child's "parent", take no memory (a million streams of each at scale).
        std::unique_ptr<std::string> custom_name;
        std::string name() const {
            char buf[NAME_BUF];
            return std::string(name_view(buf));
        }
        // name() without a string: the default one is written into `buf`.
        static constexpr std::size_t NAME_BUF = DEFAULT_NAME_BUF;
        std::string_view name_view(char (&buf)[NAME_BUF]) const {
            if (custom_name) return *custom_name;
            if (parent_named) return "parent";
            return default_name(remote_id, buf);
        }
        // nm == "local.<id>", the default a name is left out for.
        static bool is_default_name(std::string_view nm, ContextId id) noexcept {
            char buf[NAME_BUF];
            return nm == default_name(id, buf);
        }

        std::set<std::string>& sent(); // made with the planner's initial set on first use
    };

    // Frees a stream made by StreamList::make (in NodeShared::stream_blocks when
    // there is one): stateless, so a pointer to a stream stays one word.
    struct StreamDelete {
        void operator()(Stream* s) const noexcept;
    };
    using StreamPtr = std::unique_ptr<Stream, StreamDelete>;

    // A context's streams by StreamId. The first (a child's stream to its parent)
    // lives inside the Node: most contexts are leaves with that one stream, and
    // routing to them then follows no pointer to reach it.
    class StreamList {
    public:
        std::size_t size() const noexcept { return first_ ? 1 + rest_.size() : 0; }
        Stream* operator[](std::size_t i) noexcept { return i == 0 ? &*first_ : rest_[i - 1].get(); }
        const Stream* operator[](std::size_t i) const noexcept { return i == 0 ? &*first_ : rest_[i - 1].get(); }
        Stream* at(std::size_t i) { return (*this)[checked(i)]; }
        const Stream* at(std::size_t i) const { return (*this)[checked(i)]; }
        // The streams after the first come from `pool` when not null.
        template <class... A>
        Stream& emplace(BlockPool* pool, A&&... a) {
            if (!first_) return first_.emplace(std::forward<A>(a)...);
            // Four to start, as a parent of any size ends with the same doubling
            // capacity: a parent of a hundred saves two reallocations.
            if (rest_.capacity() == 0) rest_.reserve(4);
            rest_.push_back(make(pool, std::forward<A>(a)...));
            return *rest_.back();
        }
        template <class F>
        void for_each(F&& f) {
            if (first_) f(*first_);
            for (auto& p : rest_) f(*p);
        }
        template <class F>
        void for_each(F&& f) const {
            if (first_) f(*first_);
            for (const auto& p : rest_) f(*p);
        }
        // Loads where stream i is found (nothing to load for the first).
        void prefetch_slot(std::size_t i) const noexcept {
            if (i > 0 && i <= rest_.size()) __builtin_prefetch(&rest_[i - 1]);
        }
        // Gives back the memory of a stream made by make() (StreamDelete's second half).
        static void release(BlockPool* pool, Stream* mem) noexcept;
        // Heap bytes beyond the Node (the streams after the first, and their table).
        std::size_t heap_bytes() const noexcept { return rest_.capacity() * sizeof(void*) + rest_.size() * sizeof(Stream); }

    private:
        std::size_t checked(std::size_t i) const {
            if (i >= size()) throw std::out_of_range("no stream " + std::to_string(i));
            return i;
        }
        template <class... A>
        static StreamPtr make(BlockPool* pool, A&&... a) {
            void* mem = pool ? pool_allocate(*pool) : std::allocator<Stream>().allocate(1);
            try {
                return StreamPtr(std::construct_at(static_cast<Stream*>(mem), std::forward<A>(a)...));
            } catch (...) {
                release(pool, static_cast<Stream*>(mem));
                throw;
            }
        }
        static void* pool_allocate(BlockPool& pool);
        std::optional<Stream> first_;
        std::vector<StreamPtr> rest_;
    };
    using Handler = ReplyHandler;
    enum class Std : std::uint8_t { none, del_route_stub, route_monitor, alloc_id, responder, forwarder,
                                   forward_module, forward_log, shutdown, load_module, call_function,
                                   call_service_stub, detaching };
    enum class Policy : std::uint8_t { none, parent_authority, immediate_child };
    struct ImporterState;
    struct Dispatcher;

    // router
    void async_route(Message msg, StreamId in);
    // _async_route on a frame still in the decoder's buffer (`owned` null) or on a
    // Message of our own (`owned` holds `data`); a Message is made only when the
    // frame stops here.
    void route_frame(Header h, std::span<const std::uint8_t> data, StreamId in, Message* owned);
    void invoke(Message& msg, StreamId in);
    // Removes handle `h`'s handler and returns its function (empty if none).
    std::function<void(Node&, const Message&)> take_handler(std::uint32_t h);
    // The same for a handler already found in its slot (no second lookup).
    std::function<void(Node&, const Message&)> take_handler_at(std::uint32_t h, std::uint32_t slot);
    void maybe_send_dead(bool unreachable, const Header& h, std::string reason, Note why);
    void send_on(StreamId s, const Message& msg);
    // Inline: route_frame ends with it on every forwarded hop.
    void send_frame(StreamId s, const Header& hdr, std::span<const std::uint8_t> data) {
        if (s >= streams_.size() || !streams_[s]->open) [[unlikely]] {
            send_on_closed(hdr);
            return;
        }
        Header h = hdr;
        h.enc = Encoding::legacy; // 0.3.3 writes every frame as MI
        h.length = static_cast<std::uint32_t>(data.size());
        env_.write_frame(*this, s, h, data);
    }
    [[gnu::cold]] void send_on_closed(const Header& h); // the reference drops it too
    Message make(ContextId dst, std::uint32_t handle, std::vector<std::uint8_t> data) const;
    // make()'s header alone, for a frame whose payload is a buffer the env copies
    // (a call, a reply): no Message and no empty vector to make and destroy.
    Header header_to(ContextId dst, std::uint32_t handle) const noexcept {
        Header h;
        h.enc = Encoding::legacy;
        h.dst_id = dst;
        h.src_id = id_;
        h.auth_id = id_;
        h.handle = handle;
        return h;
    }
    StreamId lookup(ContextId id) const;
    StreamId lookup_or(ContextId id, StreamId fallback) const;
    // The only writers of route_: they keep parent_stream_ and each stream's
    // routed_here in step with it, so a hop needs no lookup for its own peer's ID
    // or for the parent.
    void set_route(ContextId id, StreamId s);
    void erase_route(ContextId id);
    void clear_routes();
    bool policy_ok(Policy p, const Header& h, StreamId in) const;
    Std std_handler(std::uint32_t handle) const;
    Policy std_policy(Std kind) const;
    void set_std(std::uint32_t handle, Std kind);
    void run_std(Std kind, Message& msg, StreamId in);
    StreamOptions stream_options(const Stream& st) const;
    StreamDecoder& decoder_for(Stream& st);
    void on_stream_error(StreamId s, const Error& e);
    void stream_gone(StreamId s);
    void context_disconnected(ContextId id);
    void upgrade();
    void exit_process();
    bool is_parent_stream(const Stream& s) const noexcept;
    bool shutdown_waits() const; // Broker.keep_alive(): a stream other than the parent's is open
    void broker_exit();          // the broker's loop ends: dead replies, then the process exits

    // route monitor
    void notice_stream(StreamId s);
    void on_add_route(const Message& msg);
    void on_del_route(const Message& msg);
    void on_del_route_stub(const Message& msg);
    void route_monitor_stream_gone(StreamId s);
    // An empty name is none (RouteMonitor sends a name only `if name:`).
    void propagate_up(std::uint32_t handle, ContextId target, std::string_view name);
    void propagate_down(ContextId target);
    void send_route(StreamId s, std::uint32_t handle, ContextId target, std::string_view name);
    // The same with the payload already written ("id" or "id:name").
    void send_route_payload(StreamId s, std::uint32_t handle, std::span<const std::uint8_t> payload);

    // IDs
    void on_allocate_id(const Message& msg);
public:
    // IdAllocator.allocate() / ChildIdAllocator.allocate(); nullopt when the
    // ALLOCATE_ID round trip failed.
    void allocate_id(std::function<void(std::optional<ContextId>)> done);
private:
    // The next ID without a round trip (the master's counter, or the block in
    // hand); nullopt when it takes an ALLOCATE_ID.
    std::optional<ContextId> id_at_hand();

    // calls
    void on_call_function(Message& msg); // may take msg's data (a queued call)
    void dispatch_next();
    // The payload is read only until the native starts (it is parsed first): a
    // call may be started from a frame still in the decoder's buffer.
    void start_call(const Header& h, std::span<const std::uint8_t> data);
    void run_call(const Header& h, std::span<const std::uint8_t> data);
    void call_imported(std::optional<std::string> import_error);
    void call_imported_slow(); // no native found, or a payload Python unpacked (error paths)
    bool chain_failed();                // the call's chain failed before: answered with that failure
    void run_native(NativeFn fn); // fn(*args, **kwargs); its answer finishes the call
    bool needs_import(std::string_view module) const; // neither child-local nor built in
    void finish_call(const CallResult& result, bool cache_failure);
    friend class CallDone; // a native's answer finishes the running call
    void on_call_service(const Message& msg); // the Dispatcher's stub, then the pool's first checks

    // logs, shutdown, detach
    void on_forward_log(const Message& msg);
    void on_shutdown_msg(const Message& msg);
    void on_detaching(const Message& msg);

    // modules
    ImporterState& importer();
    void on_get_module_master(const Message& msg);
    void on_load_module(const Message& msg);
    void on_get_module_forwarder(const Message& msg);
    void on_forward_module(const Message& msg);
    void request_module(const std::string& name, std::function<void()> cb);
    void send_module_tuple(StreamId s, ModuleRef mod);
    void forwarder_send(StreamId s, const std::string& name);
    // A module body being run: its plan, the try statements that failed so far.
    struct ExecRun {
        const ExecPlan* plan;
        modules::TryFailures failed;
        std::function<void(std::optional<std::string>)> done;
        std::size_t next = 0; // the step to look at next
        StepLoop steps{};     // a from-import may list thousands of names answered at once
    };
    void exec_plan(const ExecPlan& plan, std::function<void(std::optional<std::string>)> done);
    void exec_steps(std::shared_ptr<ExecRun> run);
    // A module the child has locally: in sys.modules, and run unless it was there at boot.
    void import_local(const std::string& fullname, std::function<void(std::optional<std::string>)> done);
    void import_one(const std::string& fullname, std::function<void(std::optional<std::string>)> done);
    // import_one() once the parent package is in: the child's find_spec and the request.
    void fetch_module(const std::string& fullname, std::function<void(std::optional<std::string>)> done);

    // What every routed frame reads comes first (a cold context costs a cache
    // miss per line touched).
    NodeEnv& env_;
    const NodeShared& shared_;
    ContextId id_;
    ContextId parent0_ = 0;   // parent_ids_[0], kept beside id_ for _async_route
    bool has_parent_ = false; // !parent_ids_.empty()
    bool alive_ = true;
    bool upgraded_ = false;
    bool detached_ = false;
    bool shutting_down_ = false;
    bool call_busy_ = false; // Dispatcher: a call is running
    StreamId parent_stream_ = NO_STREAM; // route_[parent0_] while has_parent_ (set_route keeps it)
    IdMap route_;                                        // _stream_by_id
    StreamList streams_;
    std::array<Std, 12> std_{};                          // handles 100..111
    ParentIds parent_ids_;
    std::uint32_t next_handle_ = handle::FIRST_DYNAMIC;
    using Handlers = ReplyHandlers; // reply_handlers.hpp
    std::unique_ptr<Handlers> handlers_; // made on first use, dropped when empty
    // A spawn waiting for its ID and then its connection. The steps between hold
    // a slot here, not the caller's callback: a capture of [this, slot] needs no
    // heap, where nesting the callback cost an allocation a step.
    using SpawnDone = std::function<void(std::optional<ContextId>, StreamId)>;
    struct Spawn {
        std::string name;
        SpawnDone done;
        ContextId id = 0; // once allocated
    };
    // IdAllocator (master) / ChildIdAllocator, and the spawns waiting on them.
    // Made on first use: leaves never allocate IDs.
    struct IdState {
        std::uint64_t next_id = 1;
        ContextId block_next = 0, block_end = 0;
        bool in_flight = false;
        std::vector<std::function<void(std::optional<ContextId>)>> waiters;
        SlotTable<Spawn> spawns;
    };
    void spawn_with_id(std::uint32_t slot, std::optional<ContextId> id);
    SpawnDone take_spawn(std::uint32_t slot);
    std::unique_ptr<IdState> ids_;
    IdState& ids() {
        if (!ids_) ids_ = std::make_unique<IdState>();
        return *ids_;
    }
    // Dispatcher
    // Messages waiting for the main thread; taken (from the scratch pool) when one
    // arrives and given back once drained (a std::deque would hold over 500 bytes
    // for ever).
    std::unique_ptr<CallQueue> calls_;
    std::unique_ptr<RunningCall> running_; // the call the main thread is running (call_busy_)
    std::unique_ptr<std::map<std::string, std::string>> chain_errors_;
    std::unique_ptr<ImporterState> importer_;
};

} // namespace mitokit::sim
