// The modules compiled into the master's interpreter (sys.builtin_module_names of
// Debian 12's python3.11): importable with no file on sys.path, and standard library.
#pragma once

#include <string_view>

namespace mitokit::modules {

bool is_builtin_module(std::string_view name);

} // namespace mitokit::modules
