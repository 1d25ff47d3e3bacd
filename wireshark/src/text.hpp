// Strings from the wire made safe for epan string fields and columns, which
// expect valid UTF-8 (pickled bytes, log text and noise lines need not be).
#pragma once

#include <string>
#include <string_view>

namespace mitokit::ws {

std::string valid_utf8(std::string_view s);

} // namespace mitokit::ws
