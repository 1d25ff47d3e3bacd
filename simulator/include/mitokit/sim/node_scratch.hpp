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
#include "mitokit/sim/message.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::sim {

// The Dispatcher's call in progress: its header, chain and parsed payload (the
// payload's Document keeps its storage from one call to the next).
struct RunningCall {
    Header h{};
    std::optional<std::string> chain;
    payload::CallFunction call;
    bool finished = false; // answered: a second answer from a native is ignored
};

class NodeScratch {
public:
    // At most `keep` idle objects of each kind are kept; the rest are freed.
    explicit NodeScratch(std::size_t keep = 64) : keep_(keep) {}

    std::unique_ptr<StreamDecoder> take_decoder(StreamHandler& h, const StreamOptions& opt,
                                                std::uint64_t start_offset) {
        if (decoders_.empty()) return std::make_unique<StreamDecoder>(h, opt, start_offset);
        auto d = std::move(decoders_.back());
        decoders_.pop_back();
        d->restart(h, opt, start_offset);
        return d;
    }
    void give_decoder(std::unique_ptr<StreamDecoder> d) {
        if (d && decoders_.size() < keep_) decoders_.push_back(std::move(d));
    }
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
    std::unique_ptr<RunningCall> take_call() {
        if (calls_.empty()) return std::make_unique<RunningCall>();
        auto c = std::move(calls_.back());
        calls_.pop_back();
        return c;
    }
    void give_call(std::unique_ptr<RunningCall> c) {
        if (c && calls_.size() < keep_) calls_.push_back(std::move(c));
    }

private:
    static constexpr std::size_t RETAIN_MESSAGE = 64 * 1024;
    std::size_t keep_;
    Message message_;
    bool message_busy_ = false;
    std::vector<std::unique_ptr<StreamDecoder>> decoders_;
    std::vector<std::unique_ptr<RunningCall>> calls_;
};

} // namespace mitokit::sim
