// The exit status a program returns once its output is out: a report written to
// a full disk must not pass for a success, so main() ends through this.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace mitokit::cli {

// `status` unless flushing standard output fails; then one line on stderr naming
// `program`, and 1 (bad input/output) when `status` was a success.
inline int with_stdout_status(const char* program, int status) {
    errno = 0;
    std::cout.flush();
    const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout);
    if (!failed) return status;
    std::fprintf(stderr, "%s: writing standard output failed: %s\n", program,
                 errno ? std::strerror(errno) : "stream error");
    return status == 0 ? 1 : status;
}

} // namespace mitokit::cli
