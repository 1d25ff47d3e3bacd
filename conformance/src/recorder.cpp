#include "mitokit/conformance/recorder.hpp"

namespace mitokit::conformance {

Result<std::unique_ptr<Recorder>> Recorder::open(const std::string& path) {
    auto w = sim::PcapWriter::open_file(path);
    if (!w) return std::move(w).error();
    return std::unique_ptr<Recorder>(new Recorder(std::move(*w)));
}

void Recorder::attach(WireClient& c) {
    const std::uint32_t link = links_++;
    auto t = [this] {
        return static_cast<sim::Time>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count());
    };
    w_->open(link, c.hello().listener_id, c.id(), t());
    // Direction 0 is the listener (it opened the conversation), 1 the client.
    c.tap = [this, link, t, seq = std::array<std::uint64_t, 2>{}](bool to_peer, std::span<const std::uint8_t> b) mutable {
        const int dir = to_peer ? 1 : 0;
        w_->data(link, dir, t(), b, seq[static_cast<std::size_t>(dir)]);
        seq[static_cast<std::size_t>(dir)] += b.size();
    };
}

Status Recorder::close() { return w_->close(); }

} // namespace mitokit::conformance
