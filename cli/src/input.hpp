// Reading the command line's inputs: a path, or "-" for standard input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mitokit/result.hpp"

namespace mitokit::cli {

// Whole-input reads (pickles, JSON, captures from stdin) stop here rather than
// exhaust memory; streams are decoded chunk by chunk and have no such cap.
inline constexpr std::size_t MAX_INPUT_BYTES = std::size_t{1} << 30;

// Closes files the Input opened, not stdin.
struct InputCloser {
    bool owned = true;
    void operator()(std::FILE* f) const noexcept {
        if (owned) std::fclose(f);
    }
};

// An open input, read in chunks. Errors are Errc::io naming the path.
class Input {
public:
    static Result<Input> open(const std::string& path);
    const std::string& name() const noexcept { return name_; } // "<stdin>" for "-"
    // Reads up to buf.size() bytes; 0 at end of input.
    Result<std::size_t> read(std::span<std::uint8_t> buf);
    // Reads the rest (at most max_bytes, else Errc::limit).
    Result<std::vector<std::uint8_t>> read_rest(std::size_t max_bytes = MAX_INPUT_BYTES);

private:
    std::unique_ptr<std::FILE, InputCloser> f_;
    std::string name_;
};

Result<std::vector<std::uint8_t>> read_whole(const std::string& path, std::size_t max_bytes = MAX_INPUT_BYTES);

// Writes to stdout; false if the write failed (e.g. a closed pipe).
bool write_stdout(std::string_view s);

} // namespace mitokit::cli
