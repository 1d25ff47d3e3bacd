// Writes the suite's connections to a pcapng file (sim::PcapWriter: each
// connection a TCP conversation, the listener as the side that opened it), so
// `mitokit replay` can re-send a recorded session to another peer.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "mitokit/conformance/wire_client.hpp"
#include "mitokit/result.hpp"
#include "mitokit/sim/pcap.hpp"

namespace mitokit::conformance {

class Recorder {
public:
    static Result<std::unique_ptr<Recorder>> open(const std::string& path);
    // Records everything `c` sends and reads from now on, as the next conversation.
    void attach(WireClient& c);
    Status close();

private:
    explicit Recorder(std::unique_ptr<sim::PcapWriter> w) : w_(std::move(w)) {}
    std::unique_ptr<sim::PcapWriter> w_;
    std::uint32_t links_ = 0;
    Clock::time_point start_ = Clock::now();
};

} // namespace mitokit::conformance
