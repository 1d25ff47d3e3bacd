#include "json_out.hpp"

#include <cstdio>

namespace mitokit::cli {
namespace {

void u_escape(std::string& out, unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", v);
    out += buf;
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i,
// or returns 0xfffd and advances one byte when it is not well-formed.
unsigned next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    const int n = b0 >= 0xf0 && b0 <= 0xf4 ? 3 : b0 >= 0xe0 && b0 < 0xf0 ? 2 : b0 >= 0xc2 && b0 < 0xe0 ? 1 : -1;
    if (n < 0 || i + static_cast<std::size_t>(n) >= s.size()) {
        ++i;
        return 0xfffd;
    }
    unsigned cp = b0 & (0x3f >> n);
    for (int k = 1; k <= n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80) {
            ++i;
            return 0xfffd;
        }
        cp = (cp << 6) | (b & 0x3f);
    }
    const unsigned min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff) {
        ++i;
        return 0xfffd;
    }
    i += static_cast<std::size_t>(n) + 1;
    return cp;
}

} // namespace

void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            if (c == '"' || c == '\\') out += '\\';
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        if (c < 0x80) { // control characters, as canonical JSON writes them
            u_escape(out, c);
            ++i;
            continue;
        }
        const unsigned cp = next_code_point(s, i);
        if (cp >= 0x10000) {
            u_escape(out, 0xd800 + ((cp - 0x10000) >> 10));
            u_escape(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
        } else {
            u_escape(out, cp);
        }
    }
    out += '"';
}

void hex_append(std::string& out, std::span<const std::uint8_t> bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    for (auto b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 0xf];
    }
}

std::string& JsonObject::key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    json_string(out_, k);
    out_ += ':';
    return out_;
}

JsonObject& JsonObject::str(std::string_view k, std::string_view v) { json_string(key(k), v); return *this; }
JsonObject& JsonObject::num(std::string_view k, std::int64_t v) { key(k) += std::to_string(v); return *this; }
JsonObject& JsonObject::unum(std::string_view k, std::uint64_t v) { key(k) += std::to_string(v); return *this; }
JsonObject& JsonObject::boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; return *this; }
JsonObject& JsonObject::null(std::string_view k) { key(k) += "null"; return *this; }
JsonObject& JsonObject::raw(std::string_view k, std::string_view json) { key(k) += json; return *this; }

} // namespace mitokit::cli
