// Reads pcap and pcapng captures with libpcap and feeds every TCP segment to a
// Reassembler. Captures can come from a file or from memory (for fuzzing and for
// `mitokit decode -`), which go through the same code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "mitokit/capture/reassembler.hpp"
#include "mitokit/result.hpp"

namespace mitokit::capture {

struct CaptureOptions {
    ReassemblyLimits reassembly{};
    std::optional<std::uint16_t> port;  // keep only segments with this port at either end
    std::uint64_t max_packets = 0;      // stop after this many packets (0: no limit)
};

class CaptureHandler : public ReassemblyHandler {
public:
    // A packet that could not be decoded and so was not reassembled. `packet` counts from 1,
    // as Wireshark numbers frames.
    virtual void on_packet_error(std::uint64_t /*packet*/, const Error&) {}
};

struct CaptureStats {
    int link_type = -1;
    std::uint64_t packets = 0;       // read from the capture
    std::uint64_t tcp_segments = 0;  // fed to the reassembler (after the port filter)
    std::uint64_t other_packets = 0; // no TCP in them
    std::uint64_t bad_packets = 0;   // reported through on_packet_error
};

// True when `head` (the first 4 bytes or more) starts a pcap (either byte order,
// microsecond or nanosecond) or pcapng file.
bool is_capture(std::span<const std::uint8_t> head) noexcept;

// Errors: Errc::io when the file cannot be opened or read (libpcap's message and the
// name), Errc::unsupported for a link type decode_packet does not know, Errc::truncated
// when the capture ends inside a packet record. Reassembly is finished (holes reported)
// before returning, also on error.
Result<CaptureStats> read_capture_file(const std::string& path, CaptureHandler& handler,
                                       const CaptureOptions& opt = {});
// `name` is used in error messages only.
Result<CaptureStats> read_capture_memory(std::span<const std::uint8_t> bytes, CaptureHandler& handler,
                                         const CaptureOptions& opt = {}, const std::string& name = "<memory>");

} // namespace mitokit::capture
