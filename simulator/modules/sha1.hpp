// SHA-1 of a byte string as 40 lowercase hex digits (for `modules plan` output,
// where it names a source, not for security).
#pragma once

#include <string>
#include <string_view>

namespace mitokit::modules {
std::string sha1_hex(std::string_view data);
}
