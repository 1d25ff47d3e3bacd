// SHA-1 as 40 lowercase hex digits: names payloads and module sources the way the
// capture truth files and `modules plan` do. An identifier, not for security.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mitokit {

std::string sha1_hex(std::string_view data);

inline std::string sha1_hex(std::span<const std::uint8_t> data) {
    return sha1_hex(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

} // namespace mitokit
