// IdAllocator in the master and ChildIdAllocator elsewhere (protocol-notes §4.6).
#include "mitokit/payloads.hpp"
#include "node_internal.hpp"

namespace mitokit::sim {

void Node::on_allocate_id(const Message& msg) {
    if (msg.is_dead()) return;
    const auto start = static_cast<std::int64_t>(ids().next_id);
    ids().next_id += shared_.id_block;
    payload::AllocateIdReply r{start, static_cast<std::int64_t>(ids().next_id)};
    if (!msg.h.reply_to) return; // msg.reply() drops replies with no return address
    Message reply = make(msg.h.src_id, msg.h.reply_to, payload::build_allocate_id_reply(r));
    route(std::move(reply));
}

std::optional<ContextId> Node::id_at_hand() {
    IdState& st = ids();
    if (is_master()) return static_cast<ContextId>(st.next_id++);
    if (st.block_next < st.block_end) return st.block_next++;
    return std::nullopt;
}

void Node::allocate_id(std::function<void(std::optional<ContextId>)> done) {
    if (const auto id = id_at_hand()) {
        done(id);
        return;
    }
    ids().waiters.push_back(std::move(done));
    if (ids().in_flight) return;
    ids().in_flight = true;
    // send_await(ALLOCATE_ID) to the master (context 0), reply on a fresh handle.
    const std::uint32_t h = add_reply_handler(0, [](Node& n, const Message& reply) {
        n.ids().in_flight = false;
        auto waiters = std::move(n.ids().waiters);
        n.ids().waiters.clear();
        const auto fail = [&](std::string why) {
            n.env_.note(n, Note::handler_error, &reply.h, "ALLOCATE_ID: " + why);
            for (auto& w : waiters) w(std::nullopt); // send_await raises in each waiter
        };
        if (reply.is_dead()) return fail(std::string(reply.text()));
        auto r = payload::parse_allocate_id_reply(reply.data);
        if (!r) return fail(r.error().message);
        if (r->start < 0 || r->end <= r->start || r->end > 0xffffffffll) return fail("bad block");
        n.ids().block_next = static_cast<ContextId>(r->start);
        n.ids().block_end = static_cast<ContextId>(r->end);
        for (auto& w : waiters) n.allocate_id(std::move(w));
    });
    Message m = make(0, handle::ALLOCATE_ID, {});
    m.h.reply_to = h;
    route(std::move(m));
}

} // namespace mitokit::sim
