// An opcode listing in the manner of Python's pickletools.dis: one line per opcode
// with its offset, byte, name and argument; memo puts/gets and MARK indentation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "mitokit/result.hpp"

namespace mitokit::pickle {

// Appends the listing of every pickle in `in` to `out`. Does not resolve globals
// against the whitelist (a listing shows what is there). Fails on malformed
// opcodes or arguments, with what was listed so far left in `out`.
Status disassemble(std::span<const std::uint8_t> in, std::string& out,
                   std::size_t max_output = 64u << 20);

} // namespace mitokit::pickle
