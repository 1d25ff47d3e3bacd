// A raw UNIX client of a mitogen listener for the live suite: it writes any
// frame (including ones a router would never build: a forged auth_id, a bad
// magic) and reads what comes back through libproto's StreamDecoder. No router:
// what the peer sends is queued until a case asks for it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "mitokit/result.hpp"
#include "mitokit/sim/message.hpp"
#include "mitokit/stream_decoder.hpp"
#include "mitokit/transport/unix_socket.hpp"

namespace mitokit::conformance {

using transport::Clock;
using transport::Deadline;

class WireClient final : public StreamHandler {
public:
    // Connects and runs the handshake (protocol-notes §7).
    static Result<std::unique_ptr<WireClient>> connect(const std::string& path, Deadline deadline);
    ~WireClient() override;
    WireClient(const WireClient&) = delete;
    WireClient& operator=(const WireClient&) = delete;

    const transport::UnixHello& hello() const noexcept { return hello_; }
    std::uint32_t id() const noexcept { return hello_.context_id; }
    // A fresh reply handle (1000 upward, as a Python router numbers them).
    std::uint32_t new_handle() noexcept { return next_handle_++; }

    // A frame from this client: src_id and auth_id default to our ID.
    Header header(std::uint32_t dst, std::uint32_t handle, std::uint32_t reply_to = 0) const;
    Status send(const Header& h, std::span<const std::uint8_t> payload, Deadline deadline);
    Status send_raw(std::span<const std::uint8_t> bytes, Deadline deadline);

    // The first queued or arriving message that `match` accepts (it is removed
    // from the queue); nullopt if none by the deadline. An error if the peer
    // hung up or its stream broke first.
    Result<std::optional<sim::Message>> wait_for(const std::function<bool(const sim::Message&)>& match,
                                                 Deadline deadline);
    Result<std::optional<sim::Message>> wait_reply(std::uint32_t handle, Deadline deadline);
    // True once the peer has closed the connection (before the deadline).
    bool wait_closed(Deadline deadline);
    bool closed() const noexcept { return eof_; }

    // Sees every byte on the connection once it is past the handshake: `to_peer`
    // for what we send, else what we read. For --capture.
    std::function<void(bool to_peer, std::span<const std::uint8_t> bytes)> tap;

private:
    WireClient() = default;
    void on_message(const MessageView& m) override;
    void on_error(const Error& e) override;
    // Reads once (waiting until the deadline); false on timeout or when closed.
    bool read_once(Deadline deadline);

    transport::Fd fd_;
    transport::UnixHello hello_;
    std::unique_ptr<StreamDecoder> decoder_;
    std::deque<sim::Message> queue_;
    std::uint32_t next_handle_ = 1000;
    bool eof_ = false;
    std::optional<std::string> stream_error_;
};

} // namespace mitokit::conformance
