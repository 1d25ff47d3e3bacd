// SHA-1 (FIPS 180-4), only to name payloads the way the capture truth files do.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace mitokit::cli {

std::string sha1_hex(std::span<const std::uint8_t> data);

} // namespace mitokit::cli
