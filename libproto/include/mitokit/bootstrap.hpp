// What a parent sends to boot a Python mitogen child (protocol-notes §6): the
// command line that carries a first stage, and the compressed preamble (the
// child's mitogen/core.py source plus its configuration as a Python dict literal).
// Pure functions: spawning the child and moving the bytes is the caller's job.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mitokit/frame.hpp"
#include "mitokit/result.hpp"

namespace mitokit::bootstrap {

// The child's configuration: the keys ExternalContext.main() requires, with the
// reference's defaults.
struct ChildConfig {
    std::vector<std::uint32_t> parent_ids{0}; // nearest first; [0] means the parent is the master
    std::uint32_t context_id = 1;
    bool debug = false;
    bool profiling = false;
    bool unidirectional = false;
    int log_level = 30;
    std::vector<std::string> whitelist{""};
    std::vector<std::string> blacklist{};
    std::uint32_t max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
    std::array<int, 3> version{0, 3, 3};
};

// The config as the Python dict literal the preamble ends with, e.g.
// {'parent_ids': [0], 'context_id': 1, ...}.
std::string config_literal(const ChildConfig& cfg);

// A Python str literal (single-quoted, escaped) for any UTF-8 text.
std::string python_str_literal(std::string_view utf8);

// zlib level 9 of core_source + "\nExternalContext(<config>).main()\n".
std::vector<std::uint8_t> build_preamble(std::string_view core_source, const ChildConfig& cfg);

// The first stage: forks; the parent process re-execs Python reading the source
// from a pipe on fd 0 with the link on fds 100 (in) and 1 (out) and a second copy
// of the source on fd 101; the forked process writes MITO000, reads exactly
// preamble_size bytes, inflates them into both pipes, writes MITO001 and exits.
// context_name appears in the child's argv[0] as "<python>(mitogen:NAME)".
Result<std::string> first_stage_source(std::string_view context_name, std::size_t preamble_size);

// argv for the child: {python, "-c", "<decoder of base64(zlib(first stage))>"}.
// Errors: a context name with '/' or '\' (the reference refuses those too).
Result<std::vector<std::string>> boot_argv(std::string_view python, std::string_view context_name,
                                           std::size_t preamble_size);

std::string base64_encode(std::string_view bytes);

} // namespace mitokit::bootstrap
