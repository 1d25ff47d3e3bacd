// The capture reader (libpcap from memory, link/IP/TCP decoding, reassembly) on
// arbitrary bytes. Invariants: data offsets per direction only move forward and
// never overlap, and the bytes delivered stay within what was captured.
#include <map>
#include <tuple>

#include "harness.hpp"
#include "mitokit/capture/pcap_reader.hpp"

namespace mitokit::fuzz {
namespace {

struct Checker final : capture::CaptureHandler {
    std::size_t input_size = 0;
    std::uint64_t delivered = 0;
    std::map<std::pair<std::string, int>, std::uint64_t> next;
    void on_data(const capture::Conversation& c, capture::Direction d, std::uint64_t offset,
                 std::span<const std::uint8_t> bytes) override {
        auto& n = next[{capture::conversation_name(c), static_cast<int>(d)}];
        fuzz_check(offset >= n, "reassembled data went backwards or overlapped");
        n = offset + bytes.size();
        delivered += bytes.size();
        fuzz_check(delivered <= input_size, "reassembly delivered more bytes than were captured");
    }
};

} // namespace

int fuzz_capture(const std::uint8_t* data, std::size_t size) {
    Checker chk;
    chk.input_size = size;
    capture::CaptureOptions opt;
    opt.reassembly.max_buffered_bytes = 1u << 20;
    (void)capture::read_capture_memory({data, size}, chk, opt, "fuzz");
    return 0;
}

} // namespace mitokit::fuzz
