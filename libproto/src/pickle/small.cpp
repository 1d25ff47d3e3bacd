#include "mitokit/pickle/small.hpp"

namespace mitokit::pickle::small {
namespace {

constexpr std::uint8_t PROTO = 0x80, NONE = 'N', BININT = 'J', BININT1 = 'K', BININT2 = 'M', STOP = '.';

} // namespace

std::size_t int32_length(std::int64_t v) noexcept {
    return v >= 0 && v < 256 ? 2 : v >= 0 && v < 65536 ? 3 : 5;
}

void write_int32(std::uint8_t* p, std::int64_t v) noexcept {
    const std::size_t len = int32_length(v);
    const auto u = static_cast<std::uint32_t>(v);
    p[0] = len == 2 ? BININT1 : len == 3 ? BININT2 : BININT;
    for (std::size_t k = 1; k < len; ++k) p[k] = static_cast<std::uint8_t>(u >> (8 * (k - 1)));
}

std::size_t read_int32(std::span<const std::uint8_t> d, std::int64_t& v) noexcept {
    if (d.empty()) return 0;
    if (d[0] == BININT1 && d.size() >= 2) {
        v = d[1];
        return 2;
    }
    if (d[0] == BININT2 && d.size() >= 3) {
        v = d[1] | d[2] << 8;
        return 3;
    }
    if (d[0] == BININT && d.size() >= 5) {
        v = static_cast<std::int32_t>(static_cast<std::uint32_t>(d[1]) | static_cast<std::uint32_t>(d[2]) << 8 |
                                      static_cast<std::uint32_t>(d[3]) << 16 | static_cast<std::uint32_t>(d[4]) << 24);
        return 5;
    }
    return 0;
}

void append_none(std::vector<std::uint8_t>& out) { out.insert(out.end(), {PROTO, 2, NONE, STOP}); }

bool append_int32(std::vector<std::uint8_t>& out, std::int64_t v) {
    if (!fits_int32(v)) return false;
    const std::size_t at = out.size(), len = int32_length(v);
    // One resize, then stores: a reply's few bytes cost less than an insert each.
    out.resize(at + 3 + len);
    std::uint8_t* p = out.data() + at;
    p[0] = PROTO;
    p[1] = 2;
    write_int32(p + 2, v);
    p[2 + len] = STOP;
    return true;
}

std::optional<std::optional<std::int64_t>> read_scalar(std::span<const std::uint8_t> d) noexcept {
    if (d.size() < 4 || d[0] != PROTO || d[1] != 2 || d.back() != STOP) return std::nullopt;
    if (d[2] == NONE) {
        if (d.size() != 4) return std::nullopt;
        return std::optional<std::int64_t>{};
    }
    std::int64_t v = 0;
    const std::size_t used = read_int32(d.subspan(2), v);
    if (!used || d.size() != 3 + used) return std::nullopt;
    return std::optional<std::int64_t>{v};
}

} // namespace mitokit::pickle::small
