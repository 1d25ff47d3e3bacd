// IdAllocator in the master and ChildIdAllocator elsewhere (protocol-notes §4.6).
#include "mitokit/payloads.hpp"
#include "node_internal.hpp"

namespace mitokit::sim {

void Node::on_allocate_id(const Message& msg) {
    if (msg.is_dead()) return;
    const auto start = static_cast<std::int64_t>(next_id_);
    next_id_ += shared_.id_block;
    payload::AllocateIdReply r{start, static_cast<std::int64_t>(next_id_)};
    if (!msg.h.reply_to) return; // msg.reply() drops replies with no return address
    Message reply = make(msg.h.src_id, msg.h.reply_to, payload::build_allocate_id_reply(r));
    route(std::move(reply));
}

void Node::allocate_id(std::function<void(std::optional<ContextId>)> done) {
    if (is_master()) {
        done(static_cast<ContextId>(next_id_++));
        return;
    }
    if (block_next_ < block_end_) {
        done(block_next_++);
        return;
    }
    id_waiters_.push_back(std::move(done));
    if (id_request_in_flight_) return;
    id_request_in_flight_ = true;
    // send_await(ALLOCATE_ID) to the master (context 0), reply on a fresh handle.
    const std::uint32_t h = add_reply_handler(0, [](Node& n, const Message& reply) {
        n.id_request_in_flight_ = false;
        auto waiters = std::move(n.id_waiters_);
        n.id_waiters_.clear();
        const auto fail = [&](std::string why) {
            n.env_.note(n, Note::handler_error, &reply.h, "ALLOCATE_ID: " + why);
            for (auto& w : waiters) w(std::nullopt); // send_await raises in each waiter
        };
        if (reply.is_dead()) return fail(std::string(reply.text()));
        auto r = payload::parse_allocate_id_reply(reply.data);
        if (!r) return fail(r.error().message);
        if (r->start < 0 || r->end <= r->start || r->end > 0xffffffffll) return fail("bad block");
        n.block_next_ = static_cast<ContextId>(r->start);
        n.block_end_ = static_cast<ContextId>(r->end);
        for (auto& w : waiters) n.allocate_id(std::move(w));
    });
    Message m = make(0, handle::ALLOCATE_ID, {});
    m.h.reply_to = h;
    route(std::move(m));
}

} // namespace mitokit::sim
