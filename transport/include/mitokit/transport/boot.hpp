// Boots a real Python mitogen child (protocol-notes §6): spawn it with our first
// stage, send the preamble when it says MITO000, wait for MITO002. After that the
// link carries frames; bytes the child already sent past MITO002 are handed back
// so the caller's stream decoder starts with them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mitokit/bootstrap.hpp"
#include "mitokit/result.hpp"
#include "mitokit/transport/child_process.hpp"

namespace mitokit::transport {

struct BootOptions {
    std::string python = "/usr/bin/python3";
    std::string context_name = "mitokit";
    std::string core_source;            // the child's mitogen/core.py, verbatim
    bootstrap::ChildConfig config{};
    LinkKind link = LinkKind::socketpair;
    std::chrono::milliseconds timeout{30000}; // the reference's default connect timeout
};

struct BootedChild {
    ChildProcess process;
    std::vector<std::uint8_t> leftover; // bytes after "MITO002\n": the first frames
    std::vector<std::string> noise;     // lines before the markers (banners, warnings)
};

// Errors name the stage: "child exited (status 1) before MITO000", "no MITO002
// within 30000 ms", ... A child that fails is killed and reaped before returning.
Result<BootedChild> boot_python_child(const BootOptions& opt);

// The installed mitogen/core.py (python3-mitogen), for BootOptions::core_source.
Result<std::string> read_installed_core_source(const std::string& path = "/usr/lib/python3/dist-packages/mitogen/core.py");

} // namespace mitokit::transport
