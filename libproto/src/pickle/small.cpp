#include "mitokit/pickle/small.hpp"

namespace mitokit::pickle::small {
namespace {

constexpr std::uint8_t PROTO = 0x80, NONE = 'N', BININT = 'J', BININT1 = 'K', BININT2 = 'M', STOP = '.';

} // namespace

std::size_t int32_length(std::int64_t v) noexcept {
    return v >= 0 && v < 256 ? 2 : v >= 0 && v < 65536 ? 3 : 5;
}

void write_int32(std::uint8_t* p, std::int64_t v) noexcept {
    const auto u = static_cast<std::uint32_t>(v);
    const auto byte = [u](int k) { return static_cast<std::uint8_t>(u >> (8 * k)); };
    // Unrolled per length: every reply of a tree writes one.
    if (v >= 0 && v < 256) {
        p[0] = BININT1;
        p[1] = byte(0);
    } else if (v >= 0 && v < 65536) {
        p[0] = BININT2;
        p[1] = byte(0);
        p[2] = byte(1);
    } else {
        p[0] = BININT;
        p[1] = byte(0);
        p[2] = byte(1);
        p[3] = byte(2);
        p[4] = byte(3);
    }
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

void append_none(std::vector<std::uint8_t>& out) {
    std::uint8_t buf[MAX_SCALAR];
    out.insert(out.end(), buf, buf + write_none_pickle(buf));
}

bool append_int32(std::vector<std::uint8_t>& out, std::int64_t v) {
    std::uint8_t buf[MAX_SCALAR];
    const std::size_t n = write_int32_pickle(buf, v);
    out.insert(out.end(), buf, buf + n);
    return n != 0;
}

std::size_t write_none_pickle(std::uint8_t* p) noexcept {
    p[0] = PROTO;
    p[1] = 2;
    p[2] = NONE;
    p[3] = STOP;
    return 4;
}

std::size_t write_int32_pickle(std::uint8_t* p, std::int64_t v) noexcept {
    if (!fits_int32(v)) return 0;
    const std::size_t len = int32_length(v);
    p[0] = PROTO;
    p[1] = 2;
    write_int32(p + 2, v);
    p[2 + len] = STOP;
    return 3 + len;
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
