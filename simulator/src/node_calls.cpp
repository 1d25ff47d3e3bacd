// Dispatcher (CALL_FUNCTION, one at a time, call chains), the CALL_SERVICE stub,
// Context.call_async, Router.local(), FORWARD_LOG, SHUTDOWN and DETACHING.
#include <algorithm>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "node_internal.hpp"
#include "python_dispatch.hpp"

namespace mitokit::sim {
namespace {

using pickle::Kind;
using pickle::NodeId;
using namespace pydispatch;

// `out` holds the pickle of `root` afterwards (it must come in empty).
void pickle_into(const pickle::Document& doc, pickle::NodeId root, std::vector<std::uint8_t>& out) {
    if (auto st = pickle::encode(doc, root, out); !st) {
        // As the reference does when pickling fails: send CallError(e) instead.
        pickle::Document err;
        const auto e = err.call_error("_pickle.PicklingError: " + st.error().message);
        out.clear();
        (void)pickle::encode(err, e, out);
    }
}

void pickle_error_into(std::string_view text, std::vector<std::uint8_t>& out) {
    pickle::Document doc;
    pickle_into(doc, doc.call_error(text), out);
}

std::vector<std::uint8_t> pickled(const pickle::Document& doc, pickle::NodeId root) {
    std::vector<std::uint8_t> out;
    pickle_into(doc, root, out);
    return out;
}

} // namespace

// --- Dispatcher ------------------------------------------------------------------

void Node::on_call_function(Message& msg) {
    if (!call_busy_ && !calls_) {
        start_call(msg.h, msg.data); // the main thread is idle and nothing waits: no queue needed
        return;
    }
    if (!calls_) calls_ = shared_.scratch ? shared_.scratch->take_queue() : std::make_unique<CallQueue>();
    calls_->q.push_back(std::move(msg)); // the main thread is busy: the message waits (taken from the caller)
    dispatch_next();
}

void Node::dispatch_next() {
    if (call_busy_ || !calls_ || !alive_) return;
    Message msg = std::move(calls_->q[calls_->head++]);
    if (calls_->head == calls_->q.size()) { // an idle context keeps no queue
        if (shared_.scratch) shared_.scratch->give_queue(std::move(calls_));
        calls_.reset();
    }
    start_call(msg.h, msg.data);
}

void Node::prefetch_main_thread(int stage) const noexcept {
    switch (stage) {
    case 0:
        __builtin_prefetch(&call_busy_);
        __builtin_prefetch(&calls_);
        return;
    case 1:
        if (calls_) __builtin_prefetch(calls_.get());
        return;
    case 2:
        if (calls_ && calls_->head < calls_->q.size()) __builtin_prefetch(&calls_->q[calls_->head]);
        return;
    default:
        if (calls_ && calls_->head < calls_->q.size()) __builtin_prefetch(calls_->q[calls_->head].data.data());
        return;
    }
}

std::size_t Node::queued_calls() const noexcept {
    return (calls_ ? calls_->q.size() - calls_->head : 0) + (call_busy_ ? 1 : 0);
}

void Node::start_call(const Header& h, std::span<const std::uint8_t> data) {
    if (h.is_dead()) {
        // Receiver iteration ends on ChannelError: the main thread returns and the
        // context shuts down.
        shutdown();
        return;
    }
    call_busy_ = true;
    env_.note(*this, Note::call_started, &h, {});
    run_call(h, data);
}

void Node::forget_chain(const std::string& chain_id) {
    if (chain_errors_) chain_errors_->erase(chain_id);
}

void Node::run_call(const Header& h, std::span<const std::uint8_t> data) {
    // The call's answer address lives in running_ until the main thread takes the
    // next one, its parsed payload only until the native starts; both come from
    // (and go back to) the shared scratch.
    running_ = shared_.scratch ? shared_.scratch->take_call() : std::make_unique<RunningCall>();
    RunningCall& rc = *running_;
    rc.h = h;
    rc.chain.reset();
    rc.finished = false;
    if (!rc.parsed) rc.parsed = shared_.scratch ? shared_.scratch->take_parsed() : std::make_unique<ParsedCall>();
    ParsedCall& pc = *rc.parsed;
    pc.unpacked = pickle::NO_NODE;
    // The workloads send one call to thousands of contexts, and the pooled
    // ParsedCall comes back to the next of them: the same bytes skip the decode.
    bool reused = false;
    if (auto st = payload::parse_call_function_again(data, pc.call, Encoding::legacy, &reused); !st) {
        // Refused by the typed parser: what would Python make of it?
        const PyStep step = unpack_as_python(data, pc);
        if (step.what != PyStep::go) {
            std::string text = step.what == PyStep::raise ? step.error : "mitogen.core.StreamError: " + st.error().message;
            finish_call(CallResult::failed(std::move(text)), false);
            return;
        }
    }
    if (!reused) pc.resolved = nullptr;
    const payload::CallFunction& call = pc.call;
    if (call.module.empty()) { // __import__('')
        finish_call(CallResult::raise("builtins.ValueError", "Empty module name"), false);
        return;
    }
    if (call.chain_id != pickle::NO_NODE) {
        const auto& n = call.doc[call.chain_id];
        if (n.kind == pickle::Kind::str || n.kind == pickle::Kind::bytes) rc.chain = n.s;
    }
    if (needs_import(call.module)) {
        import_module(call.module, [this](std::optional<std::string> import_error) {
            if (alive_) call_imported(std::move(import_error));
        });
    } else {
        call_imported(std::nullopt);
    }
}

void Node::call_imported(std::optional<std::string> import_error) {
    ParsedCall& pc = *running_->parsed;
    const payload::CallFunction& call = pc.call;
    if (import_error) {
        finish_call(CallResult::failed(std::move(*import_error)), false);
        return;
    }
    const FunctionRegistry* fns = pc.unpacked == pickle::NO_NODE ? shared_.functions : nullptr;
    if (fns && !(pc.resolved && pc.resolved_in == fns)) {
        pc.resolved = fns->find(call.module, call.klass, call.function);
        pc.resolved_in = fns;
    }
    if (!fns || !pc.resolved) return call_imported_slow();
    if (chain_errors_ && chain_failed()) return; // no chain has failed here: no call
    run_native(*pc.resolved);
}

bool Node::needs_import(std::string_view module) const {
    return shared_.modules && !shared_.modules->child_local(module) &&
           !(shared_.functions && shared_.functions->is_builtin_module(module));
}

bool Node::chain_failed() {
    const RunningCall& rc = *running_;
    if (!rc.chain || !chain_errors_) return false;
    const auto it = chain_errors_->find(*rc.chain);
    if (it == chain_errors_->end()) return false;
    finish_call(CallResult::failed(it->second), false);
    return true;
}

void CallDone::finish_running_call(void* node, const CallResult& r) {
    Node& n = *static_cast<Node*>(node);
    if (n.alive_) n.finish_call(r, true);
}

void Node::run_native(NativeFn fn) {
    fn(*this, running_->parsed->call, CallDone(*this));
    // Started and not answered yet: the native copied what it keeps, and the
    // payload's storage goes back now (an answered call gave it back with itself).
    if (running_ && running_->parsed && shared_.scratch) shared_.scratch->give_parsed(std::move(running_->parsed));
}

// What _parse_request and the call do past the import where the fast path above
// does not apply, in Python's order: getattr on names that are no str, a missing
// class or function, an attribute that is no function, kwargs.setdefault, the
// chain's earlier failure, then `fn(*args, **kwargs)`.
void Node::call_imported_slow() {
    ParsedCall& pc = *running_->parsed;
    payload::CallFunction& call = pc.call;
    const FunctionRegistry* fns = shared_.functions;
    const auto has_class = [&] { return call.klass && fns && fns->has_class(call.module, *call.klass); };
    if (pc.unpacked != pickle::NO_NODE) {
        if (auto e = getattr_names(call, pc.unpacked, has_class())) {
            finish_call(CallResult::failed(std::move(*e)), false);
            return;
        }
    }
    const NativeFn* fn = fns ? fns->find(call.module, call.klass, call.function) : nullptr;
    std::optional<NotCallable> plain; // getattr found a value, not a function
    if (!fn && !(plain = plain_attribute(call, has_class()))) {
        const bool found = has_class();
        // getattr(module, klass) comes first: a class the module lacks is what is missing.
        const std::string owner = found ? "type object '" + *call.klass + "'" : "module '" + call.module + "'";
        const std::string& missing = call.klass && !found ? *call.klass : call.function;
        finish_call(CallResult::raise("builtins.AttributeError", owner + " has no attribute '" + missing + "'"),
                    false);
        return;
    }
    if (pc.unpacked != pickle::NO_NODE && fn && fns->takes_context(call.module, call.klass, call.function) &&
        !is_mapping(call.doc[call.kwargs])) {
        // _parse_request: kwargs.setdefault('econtext', ...) for @takes_econtext/@takes_router.
        finish_call(CallResult::raise("builtins.AttributeError", std::string("'") + type_of(call.doc, call.kwargs) +
                                                                     "' object has no attribute 'setdefault'"),
                    false);
        return;
    }
    if (chain_failed()) return;
    if (pc.unpacked != pickle::NO_NODE) {
        const std::string callee = plain ? plain->value : qualname(call) + "()";
        PyStep step = check_call_arguments(call, callee, plain);
        if (step.what == PyStep::unmodelled)
            step.error = "mitogen.core.StreamError: CALL_FUNCTION: mitokit does not model *args of a set of several items "
                         "(its order is CPython's hash order)";
        if (step.what != PyStep::go) {
            finish_call(CallResult::failed(std::move(step.error)), step.what == PyStep::raise);
            return;
        }
    } else if (plain) {
        finish_call(CallResult::raise("builtins.TypeError", std::string("'") + plain->type + "' object is not callable"),
                    true);
        return;
    }
    run_native(*fn);
}

void Node::finish_call(const CallResult& result, bool cache_failure) {
    if (!running_ || running_->finished) return; // a native that answered twice
    RunningCall& rc = *running_;
    rc.finished = true;
    if (result.error && rc.chain && cache_failure) {
        if (!chain_errors_) chain_errors_ = std::make_unique<std::map<std::string, std::string>>();
        chain_errors_->emplace(*rc.chain, *result.error);
    }
    if (rc.h.reply_to) {
        const Header to = header_to(rc.h.src_id, rc.h.reply_to);
        std::uint8_t small[pickle::small::MAX_SCALAR];
        if (const std::size_t n = result.small_pickle(small)) {
            // getpid's int or a None, from the stack: no buffer to clear and grow.
            env_.defer_route_frame(*this, to, std::span<const std::uint8_t>(small, n));
        } else {
            // Pickled into the scratch buffer and copied on by the env, not into a
            // fresh vector each reply.
            std::vector<std::uint8_t> own;
            std::vector<std::uint8_t>& buf = shared_.scratch ? shared_.scratch->bytes() : own;
            buf.clear();
            if (result.error) {
                pickle_error_into(*result.error, buf);
            } else if (result.scalar_pickle(buf)) {
                // _proxy_connect's dict, written without a Document and the encoder.
            } else {
                pickle::Document own_doc;
                const auto [doc, root] = result.value(shared_.scratch ? shared_.scratch->doc() : own_doc);
                pickle_into(*doc, root, buf);
            }
            env_.defer_route_frame(*this, to, buf);
        }
    }
    // A view of the error, not a copy of it: the note reads no text for this kind.
    env_.note(*this, Note::call_finished, &rc.h, result.error ? std::string_view(*result.error) : std::string_view());
    // The parsed call is done with: its storage goes back now, not after call_cost,
    // so a burst of short calls reuses one warm Document rather than thousands
    // (a later second answer finds no running call and is ignored, as before).
    if (shared_.scratch) shared_.scratch->give_call(std::move(running_));
    running_.reset();
    // The main thread is busy for call_cost, then takes the next message.
    env_.defer_main_thread(*this, shared_.call_cost);
}

void Node::main_thread_free() {
    call_busy_ = false;
    if (running_ && shared_.scratch) shared_.scratch->give_call(std::move(running_));
    running_.reset();
    dispatch_next();
}

// --- CALL_SERVICE ----------------------------------------------------------------
// The Dispatcher's stub starts mitogen.service's pool, whose _on_service_call
// answers a CallError for a payload it cannot unpickle or that is not
// (str, str, dict) ("Invalid message format."), and for a service module that
// does not import. Past that the answer comes from the service class's own
// Python code (its constructor, its methods), which the simulator cannot run:
// such a request is consumed with a note and no reply (docs/simulator.md).

void Node::on_call_service(const Message& msg) {
    const auto cannot = [&](std::string_view why) {
        env_.note(*this, Note::handler_error, &msg.h, "CALL_SERVICE: " + std::string(why));
    };
    if (msg.is_dead()) return cannot("a dead message");
    const Header h = msg.h;
    const auto answer = [this, h](std::string_view text) {
        if (!h.reply_to) return; // Message.reply drops a reply with no return address
        std::vector<std::uint8_t> out;
        pickle_error_into(text, out);
        route(make(h.src_id, h.reply_to, std::move(out)));
    };
    pickle::Document doc;
    auto used = pickle::decode_first(msg.data, doc);
    if (!used) {
        if (auto ex = unpickle_exception(used.error())) return answer(*ex);
        return cannot(used.error().message);
    }
    const pickle::Node& t = doc[doc.root()];
    const auto name_like = [&](NodeId id) { return is_text(doc[id]) || doc[id].kind == Kind::bytes; };
    // Pool._validate: exactly a tuple, two AnyTextType, a dict.
    if (t.kind != Kind::tuple || t.items.size() != 3 || !name_like(t.items[0]) || !name_like(t.items[1]) ||
        !is_mapping(doc[t.items[2]]))
        return answer("Invalid message format.");
    if (!is_text(doc[t.items[0]]) || !is_text(doc[t.items[1]])) return cannot("bytes service or method names");
    // Activator.activate: mod_name, _, class_name = service_name.rpartition('.').
    const std::string& service = doc[t.items[0]].s;
    const auto dot = service.rfind('.');
    const std::string module = dot == std::string::npos ? std::string() : service.substr(0, dot);
    if (module.empty()) return answer("builtins.ValueError: Empty module name");
    if (!needs_import(module)) return cannot("mitokit runs no service classes");
    import_module(module, [this, h, answer](std::optional<std::string> import_error) {
        if (!alive_) return;
        if (import_error) return answer(*import_error);
        env_.note(*this, Note::handler_error, &h, "CALL_SERVICE: mitokit runs no service classes");
    });
}

// --- acting as a caller --------------------------------------------------------------

void Node::call_async(ContextId target, const payload::CallFunction& call,
                      std::function<void(Node&, const Message&)> on_reply) {
    call_async_pickled(target, payload::build_call_function(call), std::move(on_reply));
}

void Node::call_async_pickled(ContextId target, std::span<const std::uint8_t> payload,
                              std::function<void(Node&, const Message&)> on_reply) {
    Header h = header_to(target, handle::CALL_FUNCTION);
    h.reply_to = add_reply_handler(target, std::move(on_reply));
    env_.defer_route_frame(*this, h, payload); // Router.route(), without a buffer of our own
}

void Node::call_no_reply_pickled(ContextId target, std::span<const std::uint8_t> payload) {
    env_.defer_route_frame(*this, header_to(target, handle::CALL_FUNCTION), payload);
}

void Node::spawn_child(std::string name, SpawnDone done) {
    upgrade();
    const std::uint32_t slot = ids().spawns.put(Spawn{std::move(name), std::move(done)});
    // An ID in hand (the master's, or from the block) needs no callback.
    if (const auto id = id_at_hand()) return spawn_with_id(slot, id);
    allocate_id([this, slot](std::optional<ContextId> id) { spawn_with_id(slot, id); });
}

void Node::spawn_with_id(std::uint32_t slot, std::optional<ContextId> id) {
    if (!id || !alive_) {
        take_spawn(slot)(std::nullopt, NO_STREAM);
        return;
    }
    const ContextId cid = *id;
    Spawn& sp = ids().spawns[slot];
    sp.id = cid;
    // An empty name stays empty: the env's stream takes the default without
    // writing it out and reading it back.
    env_.spawn_child(*this, cid, std::move(sp.name), slot);
}

void Node::spawn_connected(std::uint32_t slot, StreamId s) {
    const ContextId cid = ids().spawns[slot].id;
    SpawnDone done = take_spawn(slot);
    if (!alive_) return;
    child_connected(s);
    done(cid, s);
}

Node::SpawnDone Node::take_spawn(std::uint32_t slot) {
    auto& spawns = ids().spawns;
    SpawnDone done = spawns.take(slot).done;
    // None pending: a parent that spawned many at once (the master) keeps no big table.
    if (spawns.in_use() == 0 && spawns.capacity() > 8) spawns.release();
    return done;
}

void Node::log(std::string_view logger, int level, std::string_view text) {
    route(make(0, handle::FORWARD_LOG, payload::build_forward_log(logger, level, text)));
}

void Node::on_forward_log(const Message& msg) {
    if (msg.is_dead()) return;
    auto r = payload::parse_forward_log(msg.data);
    if (!r) {
        env_.note(*this, Note::handler_error, &msg.h, r.error().message);
        return;
    }
    env_.log_record(*this, msg.h.src_id, r->logger, r->level, r->message);
}

void Node::on_shutdown_msg(const Message& msg) {
    if (msg.is_dead()) return;
    shutdown();
}

// --- detach ------------------------------------------------------------------------

void Node::on_detaching(const Message& msg) {
    if (msg.is_dead()) return;
    const StreamId s = lookup_or(msg.h.src_id, parent_id() ? lookup(*parent_id()) : NO_STREAM);
    if (s == NO_STREAM || streams_[s]->remote_id != msg.h.src_id || streams_[s]->detached) {
        env_.note(*this, Note::handler_error, &msg.h, "DETACHING from a context that is not an attached child");
        return;
    }
    streams_[s]->detached = true;
    if (msg.h.reply_to) {
        pickle::Document doc;
        route(make(msg.h.src_id, msg.h.reply_to, pickled(doc, doc.none())));
    }
}

void Node::detach() {
    const auto pid = parent_id();
    if (!pid || detached_) return;
    const std::uint32_t h = add_reply_handler(*pid, [](Node& n, const Message& reply) {
        if (reply.is_dead()) return;
        n.detached_ = true;
        if (const auto p = n.parent_id()) {
            const StreamId s = n.lookup(*p);
            n.parent_ids_.clear();
            n.has_parent_ = false;
            if (s != NO_STREAM) n.disconnect_stream(s);
        }
    });
    Message m = make(*pid, handle::DETACHING, {});
    m.h.reply_to = h;
    route(std::move(m));
}

} // namespace mitokit::sim
