// A pcapng writer for link traffic: each link is a TCP conversation between
// per-context loopback addresses (127.x.y.z from the context ID), parent port
// 40000+, child port 50000+, with real sequence numbers so Wireshark reassembles
// the byte streams (and the mitogen dissector can decode them).
#pragma once

#include <cstdint>
#include <memory>
#include <cstdio>
#include <span>
#include <string>
#include <unordered_map>

#include "mitokit/result.hpp"
#include "mitokit/sim/scheduler.hpp"

namespace mitokit::sim {

class PcapWriter {
public:
    static Result<std::unique_ptr<PcapWriter>> open_file(const std::string& path);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // A new link between parent and child context: SYN, SYN/ACK, ACK.
    void open(std::uint32_t link, std::uint32_t parent_id, std::uint32_t child_id, Time t);
    // Bytes written by side `dir` (0 parent, 1 child) at stream offset `seq`.
    void data(std::uint32_t link, int dir, Time t, std::span<const std::uint8_t> bytes, std::uint64_t seq);
    // Side `dir` hung up after `seq` bytes.
    void fin(std::uint32_t link, int dir, Time t, std::uint64_t seq);
    std::uint64_t packets() const noexcept { return packets_; }
    Status close();

private:
    explicit PcapWriter(std::FILE* f) : f_(f) {}
    struct Conn { std::uint32_t ip[2]; std::uint16_t port[2]; std::uint64_t acked[2]; bool fin[2]; };
    void packet(const Conn& c, int dir, Time t, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                std::span<const std::uint8_t> payload);
    std::FILE* f_;
    std::unordered_map<std::uint32_t, Conn> conns_;
    std::uint64_t packets_ = 0;
    bool failed_ = false;
};

} // namespace mitokit::sim
