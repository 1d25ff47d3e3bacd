// Node: streams, _async_route, local invocation, policies and dead messages
// (protocol-notes §4.2-4.4), and the disconnect cascade (§4.7).
#include <algorithm>
#include <string>

#include "mitokit/payloads.hpp"
#include "mitokit/sim/block_pool.hpp"
#include "mitokit/sim/node_scratch.hpp"
#include "node_internal.hpp"

namespace mitokit::sim {

std::vector<std::uint8_t> text_bytes(std::string_view s) { return {s.begin(), s.end()}; }

const char* note_name(Note n) noexcept {
    switch (n) {
    case Note::bad_auth_drop: return "bad_auth_drop";
    case Note::bad_src_drop: return "bad_src_drop";
    case Note::dead_invalid_handle: return "dead_invalid_handle";
    case Note::dead_refused: return "dead_refused";
    case Note::dead_no_route: return "dead_no_route";
    case Note::dead_too_large: return "dead_too_large";
    case Note::dead_unidirectional: return "dead_unidirectional";
    case Note::dead_unexpected_reply: return "dead_unexpected_reply";
    case Note::dead_dropped: return "dead_dropped";
    case Note::stream_error: return "stream_error";
    case Note::duplicate_route: return "duplicate_route";
    case Note::bad_del_route: return "bad_del_route";
    case Note::del_route_stub: return "del_route_stub";
    case Note::duplicate_get_module: return "duplicate_get_module";
    case Note::forward_module_drop: return "forward_module_drop";
    case Note::handler_error: return "handler_error";
    case Note::send_on_closed: return "send_on_closed";
    case Note::call_started: return "call_started";
    case Note::call_finished: return "call_finished";
    case Note::count_: break;
    }
    return "?";
}

Node::Node(NodeEnv& env, const NodeShared& shared, NodeConfig cfg)
    : env_(env), shared_(shared), id_(cfg.id), parent_ids_(std::move(cfg.parent_ids)) {
    has_parent_ = !parent_ids_.empty();
    parent0_ = has_parent_ ? parent_ids_[0] : 0;
    std_.fill(Std::none);
    if (is_master()) {
        // master.Router.upgrade(): IdAllocator, ModuleResponder, LogForwarder,
        // RouteMonitor(parent=None), DETACHING.
        set_std(handle::ALLOCATE_ID, Std::alloc_id);
        set_std(handle::GET_MODULE, Std::responder);
        set_std(handle::FORWARD_LOG, Std::forward_log);
        set_std(handle::ADD_ROUTE, Std::route_monitor);
        set_std(handle::DEL_ROUTE, Std::route_monitor);
        set_std(handle::DETACHING, Std::detaching);
        upgraded_ = true;
    } else {
        // core.Router + ExternalContext + Importer + Dispatcher.
        set_std(handle::DEL_ROUTE, Std::del_route_stub);
        set_std(handle::SHUTDOWN, Std::shutdown);
        set_std(handle::LOAD_MODULE, Std::load_module);
        set_std(handle::CALL_FUNCTION, Std::call_function);
        set_std(handle::CALL_SERVICE, Std::call_service_stub);
    }
}

Node::~Node() = default;

void Node::set_std(std::uint32_t h, Std kind) { std_[h - handle::GET_MODULE] = kind; }

Node::Std Node::std_handler(std::uint32_t h) const {
    if (h < handle::GET_MODULE || h > handle::STUB_CALL_SERVICE) return Std::none;
    return std_[h - handle::GET_MODULE];
}

Node::Policy Node::std_policy(Std kind) const {
    switch (kind) {
    case Std::route_monitor:
    case Std::forwarder: return Policy::immediate_child;
    case Std::shutdown:
    case Std::load_module:
    case Std::call_function:
    case Std::call_service_stub:
    case Std::forward_module: return Policy::parent_authority;
    default: return Policy::none;
    }
}

void Node::upgrade() {
    if (upgraded_) return;
    upgraded_ = true;
    // parent.upgrade_router(): ModuleForwarder, RouteMonitor (replacing the
    // DEL_ROUTE stub), DETACHING.
    set_std(handle::FORWARD_MODULE, Std::forward_module);
    set_std(handle::GET_MODULE, Std::forwarder);
    set_std(handle::ADD_ROUTE, Std::route_monitor);
    set_std(handle::DEL_ROUTE, Std::route_monitor);
    set_std(handle::DETACHING, Std::detaching);
}

// --- streams -------------------------------------------------------------------

void* Node::StreamList::pool_allocate(BlockPool& pool) { return pool.allocate(sizeof(Stream), alignof(Stream)); }

void Node::StreamList::release(BlockPool* pool, Stream* mem) noexcept {
    if (pool) pool->deallocate(mem);
    else std::allocator<Stream>().deallocate(mem, 1);
}

void Node::StreamDelete::operator()(Stream* s) const noexcept {
    // The node's pool is the one add_stream made it from.
    BlockPool* pool = s->node.shared_.stream_blocks;
    std::destroy_at(s);
    StreamList::release(pool, s);
}

StreamId Node::add_stream(ContextId remote_id, std::string_view name, StreamStart start,
                          std::optional<ContextId> stamp_auth) {
    const auto sid = static_cast<StreamId>(streams_.size());
    Stream& s = streams_.emplace(shared_.stream_blocks, *this, sid, remote_id, name, start, stamp_auth);
    // is_privileged: remote_id in parent_ids, or a stamping auth_id that is us or a parent.
    s.privileged = parent_ids_.contains(remote_id) ||
                   (stamp_auth && (*stamp_auth == id_ || parent_ids_.contains(*stamp_auth)));
    return sid;
}

void Node::set_stream_tag(StreamId s, std::uint32_t tag) { streams_.at(s)->env_tag = tag; }

void Node::attach_parent(StreamId s) {
    set_route(streams_[s]->remote_id, s);
    streams_[s]->registered = true;
}

void Node::child_connected(StreamId s) {
    set_route(streams_[s]->remote_id, s);
    streams_[s]->registered = true;
    notice_stream(s);
}

void Node::register_peer(StreamId s) {
    set_route(streams_[s]->remote_id, s);
    streams_[s]->registered = true;
}


void Node::prefetch_stream(StreamId s, int stage, const RoutingIds* head) const noexcept {
    if (s >= streams_.size()) return;
    if (stage == 0) {
        streams_.prefetch_slot(s);
        route_.prefetch();
        if (head) {
            // route_frame looks up the source, the author and, to forward, the destination.
            route_.prefetch(head->dst_id);
            route_.prefetch(head->src_id);
            if (head->auth_id != head->src_id) route_.prefetch(head->auth_id);
        }
        return;
    }
    const Stream* st = streams_[s];
    if (stage == 1) {
        const auto* p = reinterpret_cast<const char*>(st);
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
    } else if (head) {
        st->egress_ids.prefetch(head->dst_id); // route_frame adds the destination to it
    }
}
bool Node::stream_mid_frame(StreamId s) const {
    // A decoder is kept only while bytes of an unfinished frame are pending.
    return stream_open(s) && streams_[s]->decoder && streams_[s]->decoder->in_frames();
}
ContextId Node::stream_remote(StreamId s) const { return streams_.at(s)->remote_id; }

std::optional<StreamId> Node::route_for(ContextId id) const { return route_.get(id); }

std::vector<ContextId> Node::routes() const {
    std::vector<ContextId> out;
    out.reserve(route_.size());
    route_.for_each([&](ContextId id, StreamId) { out.push_back(id); });
    std::sort(out.begin(), out.end());
    return out;
}

// Inline: receive() builds one for every chunk it scans.
inline StreamOptions Node::stream_options(const Stream& st) const {
    StreamOptions opt;
    opt.max_message_size = shared_.max_message_size;
    opt.start = st.start;
    opt.legacy_only = true; // 0.3.3's reader: an MJ or MK header is a bad magic
    return opt;
}

StreamDecoder& Node::decoder_for(Stream& st) {
    if (!st.decoder) {
        const StreamOptions opt = stream_options(st);
        st.decoder = shared_.scratch ? shared_.scratch->take_decoder(st, opt, st.fed)
                                      : std::make_unique<StreamDecoder>(st, opt, st.fed);
    }
    return *st.decoder;
}

void Node::receive(StreamId s, std::span<const std::uint8_t> bytes) {
    if (!alive_ || s >= streams_.size() || !streams_[s]->open) return;
    Stream& st = *streams_[s]; // Streams do not move, even if one is added meanwhile
    if (!st.decoder && st.start == StreamStart::frames) {
        // At a frame boundary: the whole frames need no decoder; one takes only
        // the frame the chunk cuts off.
        const std::uint64_t base = st.fed;
        st.fed += bytes.size();
        const FrameScan r = StreamDecoder::scan_frames(bytes, stream_options(st), st, base);
        if (r.failed || r.taken == bytes.size() || !st.open) return;
        st.fed = base + r.taken;
        bytes = bytes.subspan(r.taken);
    }
    StreamDecoder& d = decoder_for(st);
    st.fed += bytes.size();
    st.at_boundary = false;
    (void)d.feed(bytes); // errors arrive through on_error
    if (st.open && st.at_boundary && !d.failed() && d.in_frames()) {
        st.start = StreamStart::frames;
        // Nothing buffered: the next bytes begin a frame.
        if (shared_.scratch) shared_.scratch->give_decoder(std::move(st.decoder));
        else st.decoder.reset();
    }
}

void Node::eof(StreamId s) {
    if (!alive_ || s >= streams_.size() || !streams_[s]->open) return;
    Stream& st = *streams_[s];
    // No decoder in frames: the stream ended at a frame boundary, which is fine. A
    // stream still in its bootstrap gets one, to say what the end cut short.
    if (!st.decoder && st.start != StreamStart::frames) decoder_for(st);
    if (st.decoder && !st.decoder->failed()) {
        if (auto r = st.decoder->finish(); !r) env_.note(*this, Note::stream_error, nullptr, r.error().message);
    }
    stream_gone(s);
}

void Node::disconnect_stream(StreamId s) {
    if (!alive_ || s >= streams_.size() || !streams_[s]->open) return;
    stream_gone(s);
}

void Node::on_stream_error(StreamId s, const Error& e) {
    // Bad magic or an oversize length: the reference logs an ERROR and drops the
    // connection at once, with no dead replies.
    env_.note(*this, Note::stream_error, nullptr, e.message);
    if (streams_[s]->open) stream_gone(s);
}

void Node::stream_gone(StreamId s) {
    Stream& st = *streams_[s];
    if (!st.open) return;
    st.open = false;
    env_.close_stream(*this, s);
    if (!st.registered) return;
    // 1. core Router._on_stream_disconnect: forget every route through the stream,
    //    then fire each context's disconnect.
    std::vector<ContextId> gone;
    route_.for_each([&](ContextId id, StreamId sid) {
        if (sid == s) gone.push_back(id);
    });
    std::sort(gone.begin(), gone.end());
    for (ContextId id : gone) erase_route(id);
    for (ContextId id : gone) context_disconnected(id);
    // 2. RouteMonitor: DEL_ROUTE up and down for the child and its descendants.
    route_monitor_stream_gone(s);
    // 3. Losing the parent ends a child (unless detached).
    if (is_parent_stream(st) && !detached_) {
        shutdown();
    }
    // 4. A shutdown in progress ends when the last stream it waits on has gone.
    if (alive_ && shutting_down_ && !shutdown_waits()) broker_exit();
}

void Node::context_disconnected(ContextId id) {
    // Every handler with this respondent gets a local dead message and is removed.
    std::vector<std::uint32_t> hit;
    if (handlers_)
        handlers_->for_each([&](std::uint32_t h, const Handler& handler) {
            if (handler.respondent == id) hit.push_back(h);
        });
    std::sort(hit.begin(), hit.end());
    for (std::uint32_t h : hit) {
        auto fn = take_handler(h);
        if (!fn) continue;
        Message dead = make(id_, h, text_bytes(payload::reason::respondent_disconnected));
        dead.h.reply_to = handle::IS_DEAD;
        dead.h.src_id = id_;
        fn(*this, dead);
    }
}

// --- routing -------------------------------------------------------------------

Message Node::make(ContextId dst, std::uint32_t h, std::vector<std::uint8_t> data) const {
    Message m;
    m.h = header_to(dst, h);
    m.data = std::move(data);
    return m;
}

StreamId Node::lookup(ContextId id) const {
    const StreamId* s = route_.find(id);
    return s ? *s : NO_STREAM;
}

StreamId Node::lookup_or(ContextId id, StreamId fallback) const {
    const StreamId* s = route_.find(id);
    return s ? *s : fallback;
}

void Node::set_route(ContextId id, StreamId s) {
    if (const auto old = route_.exchange(id, s); old && *old != s && streams_[*old]->remote_id == id)
        streams_[*old]->routed_here = false;
    if (streams_[s]->remote_id == id) streams_[s]->routed_here = true;
    if (has_parent_ && id == parent0_) parent_stream_ = s;
}

void Node::erase_route(ContextId id) {
    const StreamId* old = route_.find(id);
    if (!old) return;
    if (streams_[*old]->remote_id == id) streams_[*old]->routed_here = false;
    route_.erase(id);
    if (has_parent_ && id == parent0_) parent_stream_ = NO_STREAM;
}

void Node::clear_routes() {
    route_.clear();
    parent_stream_ = NO_STREAM;
    streams_.for_each([](Stream& s) { s.routed_here = false; });
}

bool Node::route_cache_consistent() const {
    if (has_parent_ && parent_stream_ != lookup(parent0_)) return false;
    bool ok = true;
    streams_.for_each([&](const Stream& s) { ok = ok && s.routed_here == (lookup(s.remote_id) == s.sid); });
    return ok;
}

void NodeEnv::defer_route(Node& n, Message msg) {
    defer(n, 0, [&n, m = std::move(msg)]() mutable { n.route_now(m); });
}

void NodeEnv::defer_main_thread(Node& n, Time delay) {
    defer(n, delay, [&n] { n.main_thread_free(); });
}

void NodeEnv::shutdown_deadline(Node& n, Time delay) {
    defer(n, delay, [&n] { n.shutdown_deadline_passed(); });
}

void Node::route(Message msg) { env_.defer_route(*this, std::move(msg)); }

void Node::route_now(Message& msg) {
    if (alive_) route_frame(msg.h, msg.data, NO_STREAM, &msg);
}

void Node::route_now_frame(const Header& h, std::span<const std::uint8_t> payload) {
    if (alive_) route_frame(h, payload, NO_STREAM, nullptr);
}

void Node::send_on(StreamId s, const Message& msg) { send_frame(s, msg.h, msg.data); }

void Node::send_on_closed(const Header& h) { env_.note(*this, Note::send_on_closed, &h, {}); }

void Node::async_route(Message msg, StreamId in) { route_frame(msg.h, msg.data, in, &msg); }

void Node::route_frame(Header h, std::span<const std::uint8_t> data, StreamId in, Message* owned) {
    // The frame becomes a Message only where it stops (invoked here); `data` may
    // live in `owned`, so nothing reads it after this.
    if (data.size() > shared_.max_message_size) {
        if (h.is_dead()) {
            // A dead message that is itself too large (a max_message_size shorter than its
            // reason) would be answered by another like it forever: the reference recurses
            // until Python's RecursionError. It is dropped and counted instead.
            env_.note(*this, Note::dead_dropped, &h, payload::reason::too_large(shared_.max_message_size));
            return;
        }
        maybe_send_dead(false, h, payload::reason::too_large(shared_.max_message_size), Note::dead_too_large);
        return;
    }
    const StreamId parent_stream = has_parent_ ? parent_stream_ : NO_STREAM;
    // _stream_by_id.get(id, parent stream); the input stream's own peer, routed
    // to it, needs no lookup (the usual author and source of a frame).
    Stream* const ist = in != NO_STREAM ? streams_[in] : nullptr;
    const auto stream_of = [&](ContextId id) {
        return ist && id == ist->remote_id && ist->routed_here ? in : lookup_or(id, parent_stream);
    };
    if (ist) {
        if (in != stream_of(h.auth_id)) {
            env_.note(*this, Note::bad_auth_drop, &h, {});
            return;
        }
        if (h.src_id != h.auth_id && in != stream_of(h.src_id)) {
            env_.note(*this, Note::bad_src_drop, &h, {});
            return;
        }
        if (ist->stamp_auth) h.auth_id = *ist->stamp_auth;
        ist->egress_ids.insert(h.dst_id);
    }
    if (h.dst_id == id_) {
        if (owned) {
            owned->h = h;
            invoke(*owned, in);
            return;
        }
        // A call the idle main thread starts at once, as invoke() would, reads the
        // frame where it lies: no copy into a Message (anything else falls through
        // to invoke(), which decides again alike).
        if (std_handler(h.handle) == Std::call_function && !call_busy_ && !calls_ &&
            policy_ok(std_policy(Std::call_function), h, in)) {
            start_call(h, data);
            return;
        }
        // A frame from the decoder's view: copied into the scratch Message (its
        // storage reused from frame to frame) unless a delivery is already using it.
        if (Message* m = shared_.scratch ? shared_.scratch->borrow_message() : nullptr) {
            m->h = h;
            m->data.assign(data.begin(), data.end());
            invoke(*m, in);
            shared_.scratch->return_message();
            return;
        }
        Message m{h, {data.begin(), data.end()}};
        invoke(m, in);
        return;
    }
    StreamId out = lookup(h.dst_id);
    if (out == NO_STREAM && (in == NO_STREAM || parent_stream != stream_of(h.src_id))) out = parent_stream;
    if (out == NO_STREAM) {
        maybe_send_dead(true, h, payload::reason::no_route(h.dst_id, id_), Note::dead_no_route);
        return;
    }
    if (in != NO_STREAM && shared_.unidirectional && !(streams_[in]->privileged || streams_[out]->privileged)) {
        maybe_send_dead(true, h,
                        payload::reason::unidirectional(streams_[in]->remote_id, streams_[out]->remote_id, id_),
                        Note::dead_unidirectional);
        return;
    }
    send_frame(out, h, data);
}

bool Node::policy_ok(Policy p, const Header& h, StreamId in) const {
    switch (p) {
    case Policy::none: return true;
    case Policy::parent_authority:
        return h.auth_id == id_ || parent_ids_.contains(h.auth_id);
    case Policy::immediate_child:
        return in != NO_STREAM && h.src_id == streams_[in]->remote_id;
    }
    return false;
}

void Node::invoke(Message& msg, StreamId in) {
    const Std kind = std_handler(msg.h.handle);
    if (kind != Std::none) {
        if (!policy_ok(std_policy(kind), msg.h, in)) {
            maybe_send_dead(true, msg.h, std::string(payload::reason::refused_by_policy), Note::dead_refused);
            return;
        }
        run_std(kind, msg, in);
        return;
    }
    const Handler* found = handlers_ ? handlers_->find(msg.h.handle) : nullptr;
    if (!found) {
        maybe_send_dead(true, msg.h, std::string(payload::reason::invalid_handle), Note::dead_invalid_handle);
        return;
    }
    if (found->respondent && !(msg.is_dead() || msg.h.src_id == *found->respondent)) {
        maybe_send_dead(true, msg.h, std::string(payload::reason::unexpected_context), Note::dead_unexpected_reply);
        return;
    }
    if (found->persist) {
        auto fn = found->fn;
        fn(*this, msg);
        return;
    }
    auto fn = take_handler_at(msg.h.handle, static_cast<std::uint32_t>(found - handlers_->slots.data()));
    fn(*this, msg);
}

void Node::maybe_send_dead(bool unreachable, const Header& h, std::string reason, Note why) {
    env_.note(*this, why, &h, reason);
    if (h.reply_to && !h.is_dead()) {
        Message dead = make(h.src_id, h.reply_to, text_bytes(reason));
        dead.h.reply_to = handle::IS_DEAD;
        route(std::move(dead));
    } else if (!unreachable) {
        Message dead = make(h.dst_id, h.handle, text_bytes(reason));
        dead.h.reply_to = handle::IS_DEAD;
        async_route(std::move(dead), NO_STREAM);
    } else {
        env_.note(*this, Note::dead_dropped, &h, reason);
    }
}

std::uint32_t Node::add_reply_handler(std::optional<ContextId> respondent,
                                      std::function<void(Node&, const Message&)> fn) {
    const std::uint32_t h = next_handle_++;
    if (!handlers_) handlers_ = shared_.scratch ? shared_.scratch->take_handlers() : std::make_unique<Handlers>();
    Handlers& t = *handlers_;
    std::uint32_t slot;
    if (!t.free.empty()) {
        slot = t.free.back();
        t.free.pop_back();
        // Set in place: a whole Handler moved in would make and destroy a temporary.
        Handler& s = t.slots[slot];
        s.respondent = respondent;
        s.persist = false;
        s.fn = std::move(fn);
    } else {
        slot = static_cast<std::uint32_t>(t.slots.size());
        t.slots.push_back(Handler{respondent, false, std::move(fn)});
    }
    t.index.set(h, slot);
    return h;
}

std::function<void(Node&, const Message&)> Node::take_handler(std::uint32_t h) {
    if (!handlers_) return {};
    Handlers& t = *handlers_;
    const std::uint32_t* s = t.index.find(h);
    if (!s) return {};
    return take_handler_at(h, *s);
}

std::function<void(Node&, const Message&)> Node::take_handler_at(std::uint32_t h, std::uint32_t slot) {
    Handlers& t = *handlers_;
    // The slot is only read again through the index, once reused and set whole.
    auto fn = std::move(t.slots[slot].fn);
    t.slots[slot].fn = nullptr;
    t.index.erase(h);
    t.free.push_back(slot);
    if (t.index.empty()) { // an idle context keeps no table
        if (shared_.scratch) shared_.scratch->give_handlers(std::move(handlers_));
        handlers_.reset();
    }
    return fn;
}

void Node::run_std(Std kind, Message& msg, StreamId in) {
    (void)in;
    switch (kind) {
    case Std::none: return;
    case Std::del_route_stub: on_del_route_stub(msg); return;
    case Std::route_monitor:
        if (msg.h.handle == handle::ADD_ROUTE) on_add_route(msg);
        else on_del_route(msg);
        return;
    case Std::alloc_id: on_allocate_id(msg); return;
    case Std::responder: on_get_module_master(msg); return;
    case Std::forwarder: on_get_module_forwarder(msg); return;
    case Std::forward_module: on_forward_module(msg); return;
    case Std::forward_log: on_forward_log(msg); return;
    case Std::shutdown: on_shutdown_msg(msg); return;
    case Std::load_module: on_load_module(msg); return;
    case Std::call_function: on_call_function(msg); return;
    case Std::call_service_stub: on_call_service(msg); return;
    case Std::detaching: on_detaching(msg); return;
    }
}

// --- process lifetime ----------------------------------------------------------

void Node::shutdown() {
    if (!alive_ || shutting_down_) return;
    shutting_down_ = true;
    // Broker._broker_shutdown: each stream's on_shutdown. A child's stream sends it
    // SHUTDOWN and stays open; the parent's stream and a UNIX peer's stay open too;
    // a child still connecting (no MitogenProtocol yet) is disconnected at once.
    std::vector<StreamId> connecting;
    streams_.for_each([&](Stream& s) {
        if (!s.open) return;
        if (s.noticed) {
            send_on(s.sid, make(s.remote_id, handle::SHUTDOWN, {}));
        } else if (!s.registered && !is_parent_stream(s)) {
            connecting.push_back(s.sid);
        }
    });
    for (StreamId s : connecting) disconnect_stream(s);
    if (!alive_) return;
    // Then the broker loops while keep_alive(), for at most shutdown_timeout.
    if (!shutdown_waits()) {
        broker_exit();
        return;
    }
    env_.shutdown_deadline(*this, shared_.shutdown_timeout);
}

void Node::shutdown_deadline_passed() {
    if (alive_ && shutting_down_) broker_exit();
}

bool Node::is_parent_stream(const Stream& s) const noexcept { return has_parent_ && s.remote_id == parent0_; }

bool Node::shutdown_waits() const {
    bool waits = false;
    streams_.for_each([&](const Stream& s) {
        if (s.open && !is_parent_stream(s)) waits = true;
    });
    return waits;
}

void Node::broker_exit() {
    // The broker exits: handlers get "Broker has exitted" locally, streams close.
    std::vector<std::uint32_t> hs;
    if (handlers_) handlers_->for_each([&](std::uint32_t h, const Handler&) { hs.push_back(h); });
    std::sort(hs.begin(), hs.end());
    for (auto h : hs) {
        auto fn = take_handler(h);
        if (!fn) continue;
        Message dead = make(id_, h, text_bytes(payload::reason::broker_exited));
        dead.h.reply_to = handle::IS_DEAD;
        fn(*this, dead);
    }
    exit_process();
}

void Node::crash() {
    if (!alive_) return;
    exit_process();
}

void Node::exit_process() {
    alive_ = false;
    streams_.for_each([&](Stream& s) {
        if (!s.open) return;
        s.open = false;
        env_.close_stream(*this, s.sid);
    });
    clear_routes();
    handlers_.reset();
    calls_.reset();
    env_.exited(*this);
}

std::size_t Node::memory_estimate() const {
    std::size_t n = sizeof(Node) + parent_ids_.heap_bytes();
    n += streams_.heap_bytes();
    streams_.for_each([&](const Stream& s) {
        n += s.egress_ids.heap_bytes();
        n += s.monitor_routes.heap_bytes();
        if (s.decoder) n += sizeof(StreamDecoder) + s.decoder->heap_bytes();
        if (s.custom_name) n += sizeof(std::string) + (s.custom_name->capacity() > 15 ? s.custom_name->capacity() + 1 : 0);
        if (s.sent_modules) n += s.sent_modules->size() * 64;
    });
    n += route_.heap_bytes();
    if (handlers_)
        n += sizeof(Handlers) + handlers_->slots.capacity() * sizeof(Handler) + handlers_->index.heap_bytes() +
             handlers_->free.capacity() * 4;
    if (importer_) n += sizeof(ImporterState) + importer_->cache.size() * 64 + importer_->imported.size() * 64;
    return n;
}

} // namespace mitokit::sim
