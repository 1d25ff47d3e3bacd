// Option checks the conformance subcommands share.
#pragma once

#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>

namespace mitokit::cli {

// A timeout given in seconds: (0, 86400], else a usage message naming the option.
inline std::optional<std::chrono::milliseconds> seconds_option(const char* cmd, const char* name, double s) {
    if (!(s > 0) || !std::isfinite(s) || s > 86400) {
        std::cerr << "mitokit " << cmd << ": --" << name << " must be more than 0 and at most 86400 seconds\n";
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<long long>(std::ceil(s * 1000)));
}

inline std::string default_conformance_dir() { return MITOKIT_CONFORMANCE_DIR; }

} // namespace mitokit::cli
