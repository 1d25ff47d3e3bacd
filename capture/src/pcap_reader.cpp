#include "mitokit/capture/pcap_reader.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <memory>

#include "mitokit/capture/link_decode.hpp"

namespace mitokit::capture {
namespace {

struct PcapCloser {
    void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

// Decodes and reassembles every packet of an open capture.
Result<CaptureStats> run(pcap_t* p, CaptureHandler& handler, const CaptureOptions& opt, const std::string& name) {
    CaptureStats st;
    st.link_type = pcap_datalink(p);
    Reassembler reasm(handler, opt.reassembly);
    if (!linktype_supported(st.link_type)) {
        const char* lt_name = pcap_datalink_val_to_name(st.link_type);
        return make_error(Errc::unsupported, name + ": link type " + std::to_string(st.link_type) + " (" +
                                                 (lt_name ? lt_name : "unknown") + ") is not supported");
    }
    for (;;) {
        if (opt.max_packets != 0 && st.packets >= opt.max_packets) break;
        pcap_pkthdr* hdr = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(p, &hdr, &data);
        if (rc == PCAP_ERROR_BREAK) break; // end of file
        if (rc != 1) {
            reasm.finish();
            return make_error(Errc::truncated, name + ": packet " + std::to_string(st.packets + 1) +
                                                   ": " + pcap_geterr(p));
        }
        ++st.packets;
        const auto r = decode_packet(st.link_type, {data, hdr->caplen});
        if (!r) {
            ++st.bad_packets;
            Error e = r.error();
            e.message = "packet " + std::to_string(st.packets) + ": " + e.message + " (at byte " +
                        std::to_string(e.offset) + ")";
            handler.on_packet_error(st.packets, e);
            continue;
        }
        if (!*r) {
            ++st.other_packets;
            continue;
        }
        const TcpSegment& seg = **r;
        if (opt.port && seg.src.port != *opt.port && seg.dst.port != *opt.port) continue;
        ++st.tcp_segments;
        reasm.feed(seg);
    }
    reasm.finish();
    return st;
}

} // namespace

bool is_capture(std::span<const std::uint8_t> h) noexcept {
    if (h.size() < 4) return false;
    const std::uint32_t be = (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
    switch (be) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: // pcap, microseconds
    case 0xa1b23c4d: case 0x4d3cb2a1: // pcap, nanoseconds
    case 0x0a0d0d0a:                  // pcapng section header block
        return true;
    default: return false;
    }
}

Result<CaptureStats> read_capture_file(const std::string& path, CaptureHandler& handler, const CaptureOptions& opt) {
    char err[PCAP_ERRBUF_SIZE] = {};
    PcapHandle p(pcap_open_offline(path.c_str(), err));
    if (!p) return make_error(Errc::io, path + ": cannot read capture: " + err);
    return run(p.get(), handler, opt, path);
}

Result<CaptureStats> read_capture_memory(std::span<const std::uint8_t> bytes, CaptureHandler& handler,
                                         const CaptureOptions& opt, const std::string& name) {
    if (bytes.empty()) return make_error(Errc::truncated, name + ": capture is empty");
    // fmemopen does not write through a "r" stream, so dropping const is safe.
    std::unique_ptr<std::FILE, FileCloser> f(
        fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "r"));
    if (!f) return make_error(Errc::io, name + ": fmemopen failed");
    char err[PCAP_ERRBUF_SIZE] = {};
    PcapHandle p(pcap_fopen_offline(f.get(), err));
    if (!p) return make_error(Errc::io, name + ": cannot read capture: " + err);
    f.release(); // pcap_close closes it now
    return run(p.get(), handler, opt, name);
}

} // namespace mitokit::capture
