#include "mitokit/capture/reassembler.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace mitokit::capture {

struct Reassembler::Flow {
    bool started = false;        // next_seq is known
    bool closed = false;         // FIN reached, RST, or finished
    bool fin_seen = false;
    std::uint32_t next_seq = 0;  // sequence number of the byte at stream offset `delivered`
    std::uint64_t delivered = 0; // stream offset of the next byte to deliver
    std::uint64_t fin_offset = 0;
    std::map<std::uint64_t, std::vector<std::uint8_t>> pending; // out-of-order data by stream offset
    std::size_t pending_bytes = 0;
    bool late_data_reported = false;
    bool early_data_reported = false;
};

struct Reassembler::Conv {
    Conversation info;
    Flow flows[2];
    std::uint32_t client_isn = 0;
    bool reset = false;
    Flow& flow(Direction d) { return flows[static_cast<int>(d)]; }
    bool done() const { return flows[0].closed && flows[1].closed; }
};

std::string conversation_name(const Conversation& c) { return to_string(c.client) + "-" + to_string(c.server); }

std::string direction_name(const Conversation& c, Direction d) {
    return d == Direction::client_to_server ? to_string(c.client) + "->" + to_string(c.server)
                                            : to_string(c.server) + "->" + to_string(c.client);
}

const char* direction_short_name(Direction d) noexcept {
    return d == Direction::client_to_server ? "c2s" : "s2c";
}

Reassembler::Reassembler(ReassemblyHandler& handler, ReassemblyLimits limits)
    : handler_(handler), limits_(limits) {}

Reassembler::~Reassembler() = default;

std::size_t Reassembler::conversation_count() const noexcept { return convs_.size(); }

Reassembler::Conv* Reassembler::find_or_open(const TcpSegment& seg) {
    const bool a_lower = seg.src < seg.dst;
    const auto key = a_lower ? std::pair{seg.src, seg.dst} : std::pair{seg.dst, seg.src};
    const bool opening_syn = seg.has(tcp_flag::SYN) && !seg.has(tcp_flag::ACK);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) {
        Conv& c = *convs_[it->second];
        // A fresh SYN with a new ISN on a known address pair is a new connection (port reuse).
        const bool reused = opening_syn && !(c.info.saw_syn && c.client_isn == seg.seq && c.info.client == seg.src);
        if (!reused) return &c;
        close_conv(c);
    }
    if (convs_.size() >= limits_.max_conversations) {
        if (!limit_reported_) {
            limit_reported_ = true;
            handler_.on_error(make_error(Errc::limit,
                                         "conversation limit max_conversations=" +
                                             std::to_string(limits_.max_conversations) + " reached at " +
                                             to_string(seg.src) + "->" + to_string(seg.dst) +
                                             ": later conversations are ignored"));
        }
        return nullptr;
    }
    auto c = std::make_unique<Conv>();
    c->info.id = static_cast<std::uint32_t>(convs_.size());
    // SYN+ACK comes from the server; anything else is taken to come from the client.
    const bool from_server = seg.has(tcp_flag::SYN) && seg.has(tcp_flag::ACK);
    c->info.client = from_server ? seg.dst : seg.src;
    c->info.server = from_server ? seg.src : seg.dst;
    c->info.saw_syn = seg.has(tcp_flag::SYN);
    if (opening_syn) c->client_isn = seg.seq;
    by_key_[key] = convs_.size();
    convs_.push_back(std::move(c));
    handler_.on_open(convs_.back()->info);
    return convs_.back().get();
}

void Reassembler::deliver(Conv& c, Direction d, std::uint64_t at, std::span<const std::uint8_t> bytes) {
    Flow& f = c.flow(d);
    // Only the part past what was delivered is new (retransmissions and overlaps:
    // the first copy of a byte wins, as in a receiving TCP).
    if (at + bytes.size() <= f.delivered) return;
    if (at < f.delivered) bytes = bytes.subspan(static_cast<std::size_t>(f.delivered - at));
    if (f.fin_seen) {
        if (f.delivered >= f.fin_offset) return;
        if (f.delivered + bytes.size() > f.fin_offset)
            bytes = bytes.first(static_cast<std::size_t>(f.fin_offset - f.delivered));
    }
    if (bytes.empty()) return;
    const std::uint64_t offset = f.delivered;
    f.delivered += bytes.size();
    f.next_seq += static_cast<std::uint32_t>(bytes.size());
    handler_.on_data(c.info, d, offset, bytes);
}

void Reassembler::drain(Conv& c, Direction d) {
    Flow& f = c.flow(d);
    while (!f.pending.empty() && f.pending.begin()->first <= f.delivered) {
        auto node = f.pending.extract(f.pending.begin());
        f.pending_bytes -= node.mapped().size();
        deliver(c, d, node.key(), node.mapped());
    }
}

void Reassembler::maybe_close(Conv& c, Direction d) {
    Flow& f = c.flow(d);
    if (!f.closed && f.fin_seen && f.delivered >= f.fin_offset && f.pending.empty()) {
        f.closed = true;
        handler_.on_close(c.info, d);
    }
}

void Reassembler::skip_hole(Conv& c, Direction d, Errc why, const std::string& reason) {
    Flow& f = c.flow(d);
    std::uint64_t hole_end = f.pending.empty() ? f.delivered : f.pending.begin()->first;
    if (f.pending.empty() && f.fin_seen && f.fin_offset > f.delivered) hole_end = f.fin_offset;
    if (hole_end <= f.delivered) return;
    const std::uint64_t missing = hole_end - f.delivered;
    handler_.on_gap(c.info, d,
                    make_error(why,
                               direction_name(c.info, d) + ": " + std::to_string(missing) +
                                   " bytes missing at stream offset " + std::to_string(f.delivered) + " (" + reason +
                                   ")",
                               f.delivered));
    f.next_seq += static_cast<std::uint32_t>(missing);
    f.delivered = hole_end;
    drain(c, d);
}

void Reassembler::close_conv(Conv& c) {
    for (Direction d : {Direction::client_to_server, Direction::server_to_client}) {
        Flow& f = c.flow(d);
        if (f.closed) continue;
        const char* why = c.reset ? "connection reset before it was sent" : "not in the capture";
        while (!f.pending.empty() || (f.fin_seen && f.delivered < f.fin_offset)) {
            const std::uint64_t before = f.delivered;
            skip_hole(c, d, Errc::truncated, why);
            if (f.delivered == before) break;
        }
        f.closed = true;
        handler_.on_close(c.info, d);
    }
}

void Reassembler::feed(const TcpSegment& seg) {
    Conv* cp = find_or_open(seg);
    if (!cp) return;
    Conv& c = *cp;
    const Direction d = seg.src == c.info.client ? Direction::client_to_server : Direction::server_to_client;
    Flow& f = c.flow(d);

    const bool syn = seg.has(tcp_flag::SYN);
    if (!f.started) {
        if (!syn && seg.payload.empty() && !seg.has(tcp_flag::FIN)) {
            if (seg.has(tcp_flag::RST)) {
                c.reset = true;
                close_conv(c);
            }
            return; // a bare ACK says nothing about where this direction's data starts
        }
        f.started = true;
        f.next_seq = syn ? seg.seq + 1 : seg.seq;
        if (syn && d == Direction::client_to_server) c.client_isn = seg.seq;
    }
    // Data sits after the SYN's own sequence number.
    const std::uint32_t data_seq = syn ? seg.seq + 1 : seg.seq;
    const std::int64_t rel = static_cast<std::int32_t>(data_seq - f.next_seq);
    const std::int64_t at_signed = static_cast<std::int64_t>(f.delivered) + rel;
    std::span<const std::uint8_t> data = seg.payload;
    std::uint64_t at = 0;
    if (at_signed < 0) { // starts before the first byte we know of: keep only the known part
        const std::uint64_t drop = static_cast<std::uint64_t>(-at_signed);
        if (!f.early_data_reported) {
            f.early_data_reported = true;
            handler_.on_error(make_error(Errc::truncated,
                                         direction_name(c.info, d) + ": " +
                                             std::to_string(std::min<std::uint64_t>(drop, data.size())) +
                                             " bytes sequenced before the first byte seen (capture began "
                                             "mid-connection?) are ignored",
                                         0));
        }
        data = drop >= data.size() ? std::span<const std::uint8_t>{} : data.subspan(static_cast<std::size_t>(drop));
    } else {
        at = static_cast<std::uint64_t>(at_signed);
    }

    if (f.closed) {
        if (at + data.size() > f.delivered && !data.empty() && !f.late_data_reported) {
            f.late_data_reported = true;
            handler_.on_error(make_error(Errc::bad_value,
                                         direction_name(c.info, d) + ": " + std::to_string(data.size()) +
                                             " bytes after the stream ended, at stream offset " + std::to_string(at) +
                                             " (ignored)",
                                         at));
        }
        return;
    }

    if (seg.has(tcp_flag::FIN) && !f.fin_seen) {
        f.fin_seen = true;
        // A FIN placed before bytes already delivered cannot take them back.
        f.fin_offset = std::max(at + data.size(), f.delivered);
    }
    if (f.fin_seen) {
        // Data beyond the FIN, in this segment or buffered before the FIN was seen, is dropped loudly.
        std::uint64_t end = at + data.size();
        if (!f.pending.empty()) {
            const auto& last = *f.pending.rbegin();
            end = std::max(end, last.first + last.second.size());
        }
        if (end > f.fin_offset && !f.late_data_reported) {
            f.late_data_reported = true;
            handler_.on_error(make_error(Errc::bad_value,
                                         direction_name(c.info, d) + ": data past the FIN at stream offset " +
                                             std::to_string(f.fin_offset) + " (ignored)",
                                         f.fin_offset));
        }
        while (!f.pending.empty() && f.pending.rbegin()->first >= f.fin_offset) {
            f.pending_bytes -= f.pending.rbegin()->second.size();
            f.pending.erase(std::prev(f.pending.end()));
        }
        data = at >= f.fin_offset ? std::span<const std::uint8_t>{}
                                  : data.first(static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), f.fin_offset - at)));
    }

    if (!data.empty()) {
        if (at <= f.delivered) {
            deliver(c, d, at, data);
            drain(c, d);
        } else {
            const auto reason = [this] {
                return "out-of-order buffer full: max_buffered_bytes=" + std::to_string(limits_.max_buffered_bytes) +
                       ", max_buffered_segments=" + std::to_string(limits_.max_buffered_segments);
            };
            // Give up on the oldest hole, one at a time, until this segment fits.
            while (!f.pending.empty() && at > f.delivered &&
                   (f.pending_bytes + data.size() > limits_.max_buffered_bytes ||
                    f.pending.size() >= limits_.max_buffered_segments))
                skip_hole(c, d, Errc::limit, reason());
            if (at <= f.delivered) {
                deliver(c, d, at, data);
                drain(c, d);
            } else if (data.size() > limits_.max_buffered_bytes || limits_.max_buffered_segments == 0) {
                // Cannot be held even alone: the hole before it is given up now.
                f.pending.emplace(at, std::vector<std::uint8_t>(data.begin(), data.end()));
                f.pending_bytes += data.size();
                skip_hole(c, d, Errc::limit, reason());
            } else {
                auto [it, inserted] = f.pending.try_emplace(at);
                if (inserted || it->second.size() < data.size()) {
                    f.pending_bytes += data.size() - it->second.size();
                    it->second.assign(data.begin(), data.end());
                }
            }
        }
    }
    maybe_close(c, d);

    if (seg.has(tcp_flag::RST)) {
        c.reset = true;
        close_conv(c);
    }
}

void Reassembler::finish() {
    for (auto& c : convs_)
        if (!c->done()) close_conv(*c);
}

} // namespace mitokit::capture
