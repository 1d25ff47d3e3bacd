// Steps run one after another (imports, say), where a step's answer may come at
// once, inside the call that starts it, or later, from a message. An answer that
// comes at once goes round the caller's loop instead of calling the next step
// from inside the last: a list of thousands would otherwise nest as deep.
#pragma once

namespace mitokit::sim {

class StepLoop {
public:
    // Starts a step by calling `start`. True when its answer came meanwhile: the
    // caller's loop goes on. False: the answer will resume the loop.
    template <class Start>
    bool answered_at_once(Start&& start) {
        waiting_ = inside_ = true;
        start();
        inside_ = false;
        return !waiting_;
    }
    // Called by the step's answer: true when the loop returned to wait for it and
    // must be resumed now.
    bool answer() noexcept {
        waiting_ = false;
        return !inside_;
    }

private:
    bool waiting_ = false; // a step is out
    bool inside_ = false;  // answered_at_once() is still in the step's call
};

} // namespace mitokit::sim
