// Pieces of the child bootstrap (protocol-notes §6) used by StreamDecoder while a
// link is still bootstrapping: what the first bytes of a stream are, which marker
// a line carries, and an inflater that finds where the zlib preamble ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mitokit/result.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::bootstrap {

enum class StartKind : std::uint8_t { frames, lines, preamble };

// Classifies a stream from its first bytes. Needs at most START_BYTES of them;
// returns nullopt while it needs more (or, with at_end, guesses from what it has).
// "MITO" is a marker line although "MI" is also the legacy frame magic; a zlib
// header (0x78 with a valid FCHECK, no preset dictionary) is the preamble.
inline constexpr std::size_t START_BYTES = 4;
std::optional<StartKind> classify_start(const std::uint8_t* p, std::size_t n, bool at_end) noexcept;

// The marker a complete line (without '\n') carries; noise if none.
BootstrapKind classify_line(std::string_view line) noexcept;

// Runs zlib over the preamble, discarding the output but counting it and keeping
// the tail, where the ExternalContext(<config>).main() line is.
class PreambleInflater {
public:
    PreambleInflater();
    ~PreambleInflater();
    PreambleInflater(const PreambleInflater&) = delete;
    PreambleInflater& operator=(const PreambleInflater&) = delete;

    struct Step {
        std::size_t used = 0; // input bytes consumed
        bool done = false;    // the zlib stream (trailer included) has ended
    };
    // Errors (Errc::decompress) carry no offset: the caller knows where the preamble began.
    Result<Step> feed(const std::uint8_t* p, std::size_t n, std::uint64_t max_inflated);

    std::uint64_t compressed() const noexcept;
    std::uint64_t inflated() const noexcept;
    std::string_view config() const noexcept; // after done: the config literal, or empty

    // Roughly what an inflater holds: zlib's state and 32 KiB window, and the tail.
    static constexpr std::size_t HEAP_BYTES = 7u * 1024 + 32u * 1024 + 3 * 4096;

private:
    struct Impl;
    std::unique_ptr<Impl> z_;
    std::string tail_;
};

} // namespace mitokit::bootstrap
