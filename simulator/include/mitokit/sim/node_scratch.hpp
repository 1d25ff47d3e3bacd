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
#include "mitokit/stream_decoder.hpp"

namespace mitokit::sim {

// The Dispatcher's call in progress: its header, chain and parsed payload (the
// payload's Document keeps its storage from one call to the next).
struct RunningCall {
    Header h{};
    std::optional<std::string> chain;
    payload::CallFunction call;
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
    std::size_t keep_;
    std::vector<std::unique_ptr<StreamDecoder>> decoders_;
    std::vector<std::unique_ptr<RunningCall>> calls_;
};

} // namespace mitokit::sim
