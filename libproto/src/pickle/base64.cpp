#include "base64.hpp"

#include <array>
#include <cstdint>

namespace mitokit::pickle::detail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
    std::array<std::int8_t, 256> r{};
    for (auto& v : r) v = -1;
    for (int i = 0; i < 64; ++i) r[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    return r;
}
constexpr auto kReverse = make_reverse();

} // namespace

void base64_encode(std::string_view data, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const std::size_t n = data.size();
    out.reserve(out.size() + (n + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = static_cast<std::uint32_t>(p[i]) << 16 | static_cast<std::uint32_t>(p[i + 1]) << 8 | p[i + 2];
        out.push_back(kAlphabet[v >> 18]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(kAlphabet[(v >> 6) & 63]);
        out.push_back(kAlphabet[v & 63]);
    }
    if (n - i == 1) {
        const std::uint32_t v = static_cast<std::uint32_t>(p[i]) << 16;
        out.push_back(kAlphabet[v >> 18]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out += "==";
    } else if (n - i == 2) {
        const std::uint32_t v = static_cast<std::uint32_t>(p[i]) << 16 | static_cast<std::uint32_t>(p[i + 1]) << 8;
        out.push_back(kAlphabet[v >> 18]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(kAlphabet[(v >> 6) & 63]);
        out.push_back('=');
    }
}

bool base64_decode(std::string_view text, std::string& out, std::string& err) {
    out.clear();
    std::uint32_t acc = 0;
    std::size_t count = 0, pads = 0;
    for (char c : text) {
        if (c == '=') {
            ++pads;
            if (count % 4 >= 2 && count % 4 + pads >= 4) break; // padding complete
            continue;
        }
        const int v = kReverse[static_cast<unsigned char>(c)];
        if (v < 0) continue;
        if (pads) pads = 0; // binascii ignores '=' that arrive too early
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        ++count;
        if (count % 4 == 0) {
            out.push_back(static_cast<char>(acc >> 16));
            out.push_back(static_cast<char>(acc >> 8));
            out.push_back(static_cast<char>(acc));
            acc = 0;
        }
    }
    const std::size_t rest = count % 4;
    if (rest == 1) {
        err = "Invalid base64-encoded string: number of data characters (" + std::to_string(count) + ") cannot be 1 more than a multiple of 4";
        return false;
    }
    if (rest != 0) {
        if (rest + pads < 4) {
            err = "Incorrect padding";
            return false;
        }
        if (rest == 2) out.push_back(static_cast<char>(acc >> 4));
        else {
            out.push_back(static_cast<char>(acc >> 10));
            out.push_back(static_cast<char>(acc >> 2));
        }
    }
    return true;
}

} // namespace mitokit::pickle::detail
