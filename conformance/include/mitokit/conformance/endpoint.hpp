// Where a live peer listens: "unix:PATH" (the only transport mitogen 0.3.3
// offers to a process that is not its child).
#pragma once

#include <string>
#include <string_view>

#include "mitokit/result.hpp"

namespace mitokit::conformance {

// "unix:/tmp/x.sock" -> "/tmp/x.sock". Errors (Errc::usage) name the bad spec.
Result<std::string> parse_unix_spec(std::string_view spec);

} // namespace mitokit::conformance
