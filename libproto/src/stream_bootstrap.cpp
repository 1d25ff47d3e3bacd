#include "stream_bootstrap.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <zlib.h>

namespace mitokit {

const char* bootstrap_kind_name(BootstrapKind k) noexcept {
    switch (k) {
    case BootstrapKind::noise: return "noise";
    case BootstrapKind::mito000: return "MITO000";
    case BootstrapKind::preamble: return "preamble";
    case BootstrapKind::mito001: return "MITO001";
    case BootstrapKind::mito002: return "MITO002";
    }
    return "unknown";
}

namespace bootstrap {
namespace {

// Bytes of the tail kept while inflating: the config line is a few hundred bytes.
constexpr std::size_t TAIL_KEEP = 4096;

bool is_zlib_header(std::uint8_t cmf, std::uint8_t flg) noexcept {
    return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0 && (flg & 0x20) == 0;
}

} // namespace

std::optional<StartKind> classify_start(const std::uint8_t* p, std::size_t n, bool at_end) noexcept {
    if (n == 0) return at_end ? std::optional<StartKind>(StartKind::frames) : std::nullopt;
    if (p[0] == 0x78) {
        if (n < 2) return at_end ? std::optional<StartKind>(StartKind::lines) : std::nullopt;
        return is_zlib_header(p[0], p[1]) ? StartKind::preamble : StartKind::lines;
    }
    if (p[0] != 'M') return StartKind::lines;
    if (n < 2) return at_end ? std::optional<StartKind>(StartKind::frames) : std::nullopt;
    if (p[1] != 'I' && p[1] != 'J' && p[1] != 'K') return StartKind::lines;
    if (p[1] != 'I') return StartKind::frames;
    if (n < 4) {
        if (!at_end) return std::nullopt;
        return (n >= 3 && p[2] == 'T') ? StartKind::lines : StartKind::frames;
    }
    return (p[2] == 'T' && p[3] == 'O') ? StartKind::lines : StartKind::frames;
}

BootstrapKind classify_line(std::string_view line) noexcept {
    if (line.find("MITO000") != std::string_view::npos) return BootstrapKind::mito000;
    if (line.find("MITO001") != std::string_view::npos) return BootstrapKind::mito001;
    if (line.find("MITO002") != std::string_view::npos) return BootstrapKind::mito002;
    return BootstrapKind::noise;
}

struct PreambleInflater::Impl {
    z_stream zs{};
    bool ok = false;
    Impl() { ok = inflateInit(&zs) == Z_OK; }
    ~Impl() {
        if (ok) inflateEnd(&zs);
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
};

PreambleInflater::PreambleInflater() : z_(std::make_unique<Impl>()) {}
PreambleInflater::~PreambleInflater() = default;

std::uint64_t PreambleInflater::compressed() const noexcept { return z_->zs.total_in; }
std::uint64_t PreambleInflater::inflated() const noexcept { return z_->zs.total_out; }

Result<PreambleInflater::Step> PreambleInflater::feed(const std::uint8_t* p, std::size_t n,
                                                      std::uint64_t max_inflated) {
    if (!z_->ok) return make_error(Errc::decompress, "preamble: zlib could not be initialised");
    z_stream& zs = z_->zs;
    std::array<std::uint8_t, 16384> out;
    Step step;
    do {
        // zlib's avail_in is 32-bit: hand it at most 1 GiB at a time.
        const std::size_t give = std::min<std::size_t>(n - step.used, 1u << 30);
        zs.next_in = const_cast<Bytef*>(p + step.used);
        zs.avail_in = static_cast<uInt>(give);
        zs.next_out = out.data();
        zs.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&zs, Z_NO_FLUSH);
        step.used += give - zs.avail_in;
        zs.next_in = nullptr;
        zs.avail_in = 0;
        const std::size_t produced = out.size() - zs.avail_out;
        tail_.append(reinterpret_cast<const char*>(out.data()), produced);
        if (tail_.size() > 2 * TAIL_KEEP) tail_.erase(0, tail_.size() - TAIL_KEEP);
        if (zs.total_out > max_inflated)
            return make_error(Errc::decompress, "preamble inflates past max_preamble_inflated (" +
                                                    std::to_string(max_inflated) + " bytes)");
        if (rc == Z_STREAM_END) {
            step.done = true;
            return step;
        }
        if (rc == Z_BUF_ERROR) return step; // no progress possible without more input
        if (rc != Z_OK)
            return make_error(Errc::decompress,
                              std::string("preamble is not valid zlib data (") + (zs.msg ? zs.msg : "error") + ")");
    } while (step.used < n || zs.avail_out == 0);
    return step;
}

std::string_view PreambleInflater::config() const noexcept {
    static constexpr std::string_view open = "\nExternalContext(";
    static constexpr std::string_view close = ").main()";
    std::string_view t = tail_;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
    const auto start = t.rfind(open);
    if (start == std::string_view::npos) return {};
    t.remove_prefix(start + open.size());
    if (t.size() < close.size() || t.substr(t.size() - close.size()) != close) return {};
    t.remove_suffix(close.size());
    return t;
}

} // namespace bootstrap
} // namespace mitokit
