// Reading a whole file with its errors checked: std::ifstream reads a directory
// as an empty file, and a failed read as end of file.
#pragma once

#include <string>
#include <string_view>

#include "mitokit/result.hpp"

namespace mitokit::sim {

// The file's bytes, or Errc::io "cannot open WHAT 'PATH': ..." / "cannot read
// WHAT 'PATH': ..." (e.g. "Is a directory"). `what` may be empty.
Result<std::string> read_whole_file(const std::string& path, std::string_view what = {});

} // namespace mitokit::sim
