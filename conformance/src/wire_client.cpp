#include "mitokit/conformance/wire_client.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace mitokit::conformance {

Result<std::unique_ptr<WireClient>> WireClient::connect(const std::string& path, Deadline deadline) {
    auto c = transport::unix_connect(path, static_cast<std::uint32_t>(::getpid()), deadline);
    if (!c) return std::move(c).error();
    std::unique_ptr<WireClient> w(new WireClient());
    w->fd_ = std::move(c->fd);
    w->hello_ = c->hello;
    StreamOptions so;
    so.start = StreamStart::frames;
    w->decoder_ = std::make_unique<StreamDecoder>(*w, so);
    return w;
}

WireClient::~WireClient() = default;

Header WireClient::header(std::uint32_t dst, std::uint32_t handle, std::uint32_t reply_to) const {
    Header h;
    h.dst_id = dst;
    h.src_id = h.auth_id = id();
    h.handle = handle;
    h.reply_to = reply_to;
    return h;
}

Status WireClient::send(const Header& h, std::span<const std::uint8_t> payload, Deadline deadline) {
    const auto frame = encode_frame(h, payload);
    return send_raw(frame, deadline);
}

Status WireClient::send_raw(std::span<const std::uint8_t> bytes, Deadline deadline) {
    if (eof_) return make_error(Errc::io, "the peer has closed the connection");
    auto st = transport::write_all(fd_.get(), bytes, deadline);
    if (!st) {
        if (st.error().message.find("Broken pipe") != std::string::npos ||
            st.error().message.find("reset by peer") != std::string::npos) {
            eof_ = true;
            return make_error(Errc::io, "the peer closed the connection (" + st.error().message + ")");
        }
        return st;
    }
    if (tap) tap(true, bytes);
    return st;
}

void WireClient::on_message(const MessageView& m) {
    sim::Message msg;
    msg.h = m.header;
    msg.data.assign(m.payload.begin(), m.payload.end());
    queue_.push_back(std::move(msg));
}

void WireClient::on_error(const Error& e) { stream_error_ = e.message; }

bool WireClient::read_once(Deadline deadline) {
    if (eof_) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    const int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc <= 0) return rc < 0 && errno == EINTR;
    std::array<std::uint8_t, 64 << 10> buf{};
    const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) return true;
        eof_ = true; // ECONNRESET and friends: the peer is gone
        return false;
    }
    if (n == 0) {
        eof_ = true;
        return false;
    }
    const std::span<const std::uint8_t> got(buf.data(), static_cast<std::size_t>(n));
    if (tap) tap(false, got);
    (void)decoder_->feed(got);
    return true;
}

Result<std::optional<sim::Message>> WireClient::wait_for(const std::function<bool(const sim::Message&)>& match,
                                                        Deadline deadline) {
    for (;;) {
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
            if (!match(*it)) continue;
            sim::Message m = std::move(*it);
            queue_.erase(it);
            return std::optional<sim::Message>(std::move(m));
        }
        if (stream_error_) return make_error(Errc::io, "the peer's stream broke: " + *stream_error_);
        if (eof_) return make_error(Errc::io, "the peer closed the connection");
        if (Clock::now() >= deadline) return std::optional<sim::Message>();
        read_once(deadline);
    }
}

Result<std::optional<sim::Message>> WireClient::wait_reply(std::uint32_t handle, Deadline deadline) {
    return wait_for([handle](const sim::Message& m) { return m.h.handle == handle; }, deadline);
}

bool WireClient::wait_closed(Deadline deadline) {
    while (!eof_ && Clock::now() < deadline) read_once(deadline);
    return eof_;
}

} // namespace mitokit::conformance
