// Storage that nodes borrow for one step and give back, owned by whoever runs
// many nodes (the simulation). A stream holds a decoder only while a frame is
// unfinished and a context holds a parsed call only while it runs one; at a
// million contexts nearly all are idle, so a handful of pooled objects, restarted
// or cleared for each use, serve them all without an allocation per step.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/sim/functions.hpp"
#include "mitokit/sim/message.hpp"
#include "mitokit/sim/reply_handlers.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::sim {

// A CALL_FUNCTION payload as the Dispatcher parsed it (its Document keeps its
// storage from one call to the next). Held only until the native function has
// started: natives copy what they keep, so the thousands of parents waiting in
// _proxy_connect at once hold no parsed payload, and parsing reuses warm storage.
struct ParsedCall {
    payload::CallFunction call;
    // NO_NODE unless the typed parser refused the payload and it was unpacked as
    // Python would: then a 6-tuple in call.doc whose klass, funcname, args and
    // kwargs are checked again where getattr and the call would fail on them.
    pickle::NodeId unpacked = pickle::NO_NODE;
    // The registry's entry for this parse's names, found on its first call: while
    // the next payload is the same bytes (parse_call_function_again reused the
    // parse) the names are the same, and so is the entry (a registry's entries
    // never move), so the pooled parse of a broadcast call looks it up once.
    const FunctionRegistry* resolved_in = nullptr;
    const NativeFn* resolved = nullptr;
};

// The Dispatcher's call in progress: where its answer goes and its chain.
struct RunningCall {
    Header h{};
    std::optional<std::string> chain;
    std::unique_ptr<ParsedCall> parsed; // until the native has started (or, pooled, for the next call)
    bool finished = false; // answered: a second answer from a native is ignored
};

// Messages waiting for a busy main thread, from `head` on.
struct CallQueue {
    std::vector<Message> q;
    std::size_t head = 0;
};

// Idle objects of one kind, handed out newest first; at most `keep` are kept.
template <class T>
class ObjectPool {
public:
    explicit ObjectPool(std::size_t keep) : keep_(keep) {}
    // A pooled object, or nullptr when there is none (the caller makes one).
    std::unique_ptr<T> take() {
        if (items_.empty()) return nullptr;
        auto t = std::move(items_.back());
        items_.pop_back();
        return t;
    }
    void give(std::unique_ptr<T> t) {
        if (t && items_.size() < keep_) items_.push_back(std::move(t));
    }
    void trim(std::size_t n) {
        if (items_.size() > n) items_.resize(n);
    }
    std::size_t size() const noexcept { return items_.size(); }

private:
    std::size_t keep_;
    std::vector<std::unique_ptr<T>> items_;
};

class NodeScratch {
public:
    // At most `keep` idle objects of each kind are kept; the rest are freed. Calls
    // and call queues are held by every context that is busy at once (ten thousand
    // leaves answering together), so a small pool would allocate for most of them.
    static constexpr std::size_t DEFAULT_KEEP = 1024;
    explicit NodeScratch(std::size_t keep = DEFAULT_KEEP)
        : decoders_(keep), calls_(keep), parsed_(keep), queues_(keep), handlers_(keep) {}

    std::unique_ptr<StreamDecoder> take_decoder(StreamHandler& h, const StreamOptions& opt,
                                                std::uint64_t start_offset) {
        auto d = decoders_.take();
        if (!d) return std::make_unique<StreamDecoder>(h, opt, start_offset);
        d->restart(h, opt, start_offset);
        return d;
    }
    void give_decoder(std::unique_ptr<StreamDecoder> d) { decoders_.give(std::move(d)); }
    // The Message a frame becomes where it stops. Deliveries do not nest, so one
    // serves every node; a nested use gets nullptr and makes its own. A handler
    // may move the data out (a queued call): the next use just allocates again.
    Message* borrow_message() {
        if (message_busy_) return nullptr;
        message_busy_ = true;
        return &message_;
    }
    void return_message() {
        message_busy_ = false;
        if (message_.data.capacity() > RETAIN_MESSAGE) std::vector<std::uint8_t>().swap(message_.data);
    }
    // A call comes back with the parsed payload it held, if any: a native that
    // answers at once (getpid) gives both back together, one pool round trip
    // per call rather than two, and the next call finds the payload's storage
    // (and its last parse) where it left it. A native that answers later has
    // given its payload back apart when it started (Node::run_native).
    std::unique_ptr<RunningCall> take_call() {
        if (auto c = calls_.take()) return c;
        return std::make_unique<RunningCall>();
    }
    void give_call(std::unique_ptr<RunningCall> c) { calls_.give(std::move(c)); }
    std::unique_ptr<ParsedCall> take_parsed() {
        if (auto p = parsed_.take()) return p;
        return std::make_unique<ParsedCall>();
    }
    void give_parsed(std::unique_ptr<ParsedCall> p) { parsed_.give(std::move(p)); }
    // A Document for one step (a scalar call result being pickled).
    pickle::Document& doc() { return doc_; }
    // A byte buffer for one step (a reply being pickled); its capacity stays.
    std::vector<std::uint8_t>& bytes() {
        if (bytes_.capacity() > RETAIN_MESSAGE) std::vector<std::uint8_t>().swap(bytes_);
        return bytes_;
    }
    std::unique_ptr<CallQueue> take_queue() {
        if (auto q = queues_.take()) return q;
        return std::make_unique<CallQueue>();
    }
    void give_queue(std::unique_ptr<CallQueue> q) {
        if (!q) return;
        // A queue that held a burst (a parent's hundred _proxy_connect calls) is not
        // kept at that size: thousands of idle ones would raise the peak.
        if (q->q.capacity() > RETAIN_QUEUE) std::vector<Message>().swap(q->q);
        q->q.clear();
        q->head = 0;
        queues_.give(std::move(q));
    }
    std::unique_ptr<ReplyHandlers> take_handlers() {
        if (auto t = handlers_.take()) return t;
        return std::make_unique<ReplyHandlers>();
    }
    // Only an empty table (the last reply it waited on has come).
    void give_handlers(std::unique_ptr<ReplyHandlers> t) {
        if (!t) return;
        // One that held a burst (the master's million calls) is not kept at that size.
        if (t->slots.capacity() > RETAIN_HANDLERS) {
            std::vector<ReplyHandler>().swap(t->slots);
            std::vector<std::uint32_t>().swap(t->free);
            t->index = IdMap();
        }
        t->slots.clear();
        t->free.clear();
        handlers_.give(std::move(t));
    }
    // Idle: keep at most `n` of each kind (what an idle simulation holds).
    void trim(std::size_t n) {
        decoders_.trim(n);
        calls_.trim(n);
        parsed_.trim(n);
        queues_.trim(n);
        handlers_.trim(n);
    }
    std::size_t pooled() const noexcept {
        return decoders_.size() + calls_.size() + parsed_.size() + queues_.size() + handlers_.size();
    }

private:
    static constexpr std::size_t RETAIN_MESSAGE = 64 * 1024;
    static constexpr std::size_t RETAIN_QUEUE = 8; // messages
    static constexpr std::size_t RETAIN_HANDLERS = 8;
    Message message_;
    bool message_busy_ = false;
    std::vector<std::uint8_t> bytes_;
    pickle::Document doc_;
    ObjectPool<StreamDecoder> decoders_;
    ObjectPool<RunningCall> calls_;
    ObjectPool<ParsedCall> parsed_;
    ObjectPool<CallQueue> queues_;
    ObjectPool<ReplyHandlers> handlers_;
};

} // namespace mitokit::sim
