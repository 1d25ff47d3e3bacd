// Standard base64 with padding (RFC 4648), as Python's base64.b64encode writes
// it and b64decode (non-validating) reads it.
#pragma once

#include <string>
#include <string_view>

namespace mitokit::pickle::detail {

void base64_encode(std::string_view data, std::string& out);
// Skips characters outside the alphabet, as binascii does; false with `err` on
// bad padding.
bool base64_decode(std::string_view text, std::string& out, std::string& err);

} // namespace mitokit::pickle::detail
