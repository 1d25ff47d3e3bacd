#include "mitokit/sim/pcap.hpp"

#include <cstring>
#include <vector>

namespace mitokit::sim {
namespace {

constexpr std::uint8_t TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10;
constexpr std::uint32_t ISN[2] = {0x10000000u, 0x20000000u};
constexpr std::size_t MAX_SEGMENT = 65000; // keeps IPv4 total length under 65535

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) { v.push_back(x >> 8); v.push_back(x & 0xff); }
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    for (int i = 3; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
void le16(std::vector<std::uint8_t>& v, std::uint16_t x) { v.push_back(x & 0xff); v.push_back(x >> 8); }
void le32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

std::uint16_t checksum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
    if (n & 1) sum += std::uint32_t{p[n - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

std::uint32_t ip_of(std::uint32_t context_id) { return 0x7f000000u | ((context_id + 1) & 0x00ffffffu); }

// A pcapng block: type, total length, body padded to 4, total length again.
void block(std::vector<std::uint8_t>& out, std::uint32_t type, const std::vector<std::uint8_t>& body) {
    const std::size_t pad = (4 - body.size() % 4) % 4;
    const auto total = static_cast<std::uint32_t>(12 + body.size() + pad);
    le32(out, type);
    le32(out, total);
    out.insert(out.end(), body.begin(), body.end());
    out.insert(out.end(), pad, 0);
    le32(out, total);
}

} // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::open_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return make_error(Errc::io, "cannot create capture file '" + path + "': " + std::strerror(errno));
    std::unique_ptr<PcapWriter> w(new PcapWriter(f));
    std::vector<std::uint8_t> out, shb, idb;
    le32(shb, 0x1a2b3c4d); // byte-order magic
    le16(shb, 1);
    le16(shb, 0);
    le32(shb, 0xffffffff); // section length unknown
    le32(shb, 0xffffffff);
    block(out, 0x0a0d0d0a, shb);
    le16(idb, 101); // LINKTYPE_RAW: packets start with the IPv4 header
    le16(idb, 0);
    le32(idb, 0);   // no snap length
    le16(idb, 9);   // if_tsresol: nanoseconds
    le16(idb, 1);
    idb.push_back(9);
    idb.insert(idb.end(), 3, 0);
    le16(idb, 0);   // opt_endofopt
    le16(idb, 0);
    block(out, 0x00000001, idb);
    if (std::fwrite(out.data(), 1, out.size(), f) != out.size()) w->failed_ = true;
    return w;
}

PcapWriter::~PcapWriter() { (void)close(); }

Status PcapWriter::close() {
    if (!f_) return {};
    const bool bad = std::fclose(f_) != 0 || failed_;
    f_ = nullptr;
    if (bad) return make_error(Errc::io, "writing the capture failed");
    return {};
}

void PcapWriter::packet(const Conn& c, int dir, Time t, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                        std::span<const std::uint8_t> payload) {
    if (!f_) return;
    std::vector<std::uint8_t> pkt;
    pkt.reserve(40 + payload.size());
    const auto total = static_cast<std::uint16_t>(40 + payload.size());
    pkt.push_back(0x45);
    pkt.push_back(0);
    put16(pkt, total);
    put16(pkt, static_cast<std::uint16_t>(packets_));
    put16(pkt, 0x4000); // DF
    pkt.push_back(64);
    pkt.push_back(6);
    put16(pkt, 0);
    put32(pkt, c.ip[dir]);
    put32(pkt, c.ip[1 - dir]);
    const std::uint16_t ipsum = checksum(pkt.data(), 20);
    pkt[10] = static_cast<std::uint8_t>(ipsum >> 8);
    pkt[11] = static_cast<std::uint8_t>(ipsum);
    put16(pkt, c.port[dir]);
    put16(pkt, c.port[1 - dir]);
    put32(pkt, seq);
    put32(pkt, ack);
    pkt.push_back(5 << 4);
    pkt.push_back(flags);
    put16(pkt, 65535);
    put16(pkt, 0);
    put16(pkt, 0);
    pkt.insert(pkt.end(), payload.begin(), payload.end());
    // TCP checksum over the pseudo-header and the segment.
    std::uint32_t pseudo = (c.ip[dir] >> 16) + (c.ip[dir] & 0xffff) + (c.ip[1 - dir] >> 16) +
                           (c.ip[1 - dir] & 0xffff) + 6 + static_cast<std::uint32_t>(20 + payload.size());
    const std::uint16_t tcpsum = checksum(pkt.data() + 20, pkt.size() - 20, pseudo);
    pkt[36] = static_cast<std::uint8_t>(tcpsum >> 8);
    pkt[37] = static_cast<std::uint8_t>(tcpsum);

    std::vector<std::uint8_t> body, out;
    le32(body, 0); // interface 0
    le32(body, static_cast<std::uint32_t>(t >> 32));
    le32(body, static_cast<std::uint32_t>(t));
    le32(body, static_cast<std::uint32_t>(pkt.size()));
    le32(body, static_cast<std::uint32_t>(pkt.size()));
    body.insert(body.end(), pkt.begin(), pkt.end());
    block(out, 0x00000006, body);
    if (std::fwrite(out.data(), 1, out.size(), f_) != out.size()) failed_ = true;
    ++packets_;
}

void PcapWriter::open(std::uint32_t link, std::uint32_t parent_id, std::uint32_t child_id, Time t) {
    Conn c{};
    c.ip[0] = ip_of(parent_id);
    c.ip[1] = ip_of(child_id);
    c.port[0] = static_cast<std::uint16_t>(20000 + link % 40000);
    c.port[1] = 4000;
    conns_[link] = c;
    packet(c, 0, t, TCP_SYN, ISN[0], 0, {});
    packet(c, 1, t, TCP_SYN | TCP_ACK, ISN[1], ISN[0] + 1, {});
    packet(c, 0, t, TCP_ACK, ISN[0] + 1, ISN[1] + 1, {});
}

void PcapWriter::data(std::uint32_t link, int dir, Time t, std::span<const std::uint8_t> bytes, std::uint64_t seq) {
    auto it = conns_.find(link);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    for (std::size_t off = 0; off < bytes.size(); off += MAX_SEGMENT) {
        const auto part = bytes.subspan(off, std::min(MAX_SEGMENT, bytes.size() - off));
        const auto s = static_cast<std::uint32_t>(ISN[dir] + 1 + seq + off);
        const auto a = static_cast<std::uint32_t>(ISN[1 - dir] + 1 + c.acked[1 - dir]);
        packet(c, dir, t, TCP_PSH | TCP_ACK, s, a, part);
    }
    c.acked[dir] = seq + bytes.size();
}

void PcapWriter::fin(std::uint32_t link, int dir, Time t, std::uint64_t seq) {
    auto it = conns_.find(link);
    if (it == conns_.end() || it->second.fin[dir]) return;
    Conn& c = it->second;
    c.fin[dir] = true;
    packet(c, dir, t, TCP_FIN | TCP_ACK, static_cast<std::uint32_t>(ISN[dir] + 1 + seq),
           static_cast<std::uint32_t>(ISN[1 - dir] + 1 + c.acked[1 - dir]), {});
}

} // namespace mitokit::sim
