// Turns stream decoder events into output lines: a human summary, or one JSON
// object per line (docs/cli.md lists the keys). Payloads are parsed with
// libproto's payload and pickle code; nothing here re-parses bytes by hand.
#pragma once

#include <cstdint>
#include <string>

#include "mitokit/result.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::cli {

// Where a stream came from, when it is one direction of a captured conversation.
struct StreamLabel {
    std::string conversation; // "127.0.0.1:40770-127.0.0.1:47200"
    std::string direction;    // "c2s" or "s2c"
    std::string from;         // "127.0.0.1:40770"
    std::string to;
};

struct FormatOptions {
    bool json = false;
    std::size_t max_summary = 160; // characters of payload summary per human line
};

// Counts what it printed so the command can choose its exit status.
class MessageFormatter {
public:
    explicit MessageFormatter(FormatOptions opt) : opt_(opt) {}

    // Each appends one line (with '\n') to `out`. `label` may be null.
    void message(std::string& out, const StreamLabel* label, const MessageView& m);
    void bootstrap(std::string& out, const StreamLabel* label, const BootstrapEvent& e);
    // A stream error, or a bad packet (packet != 0).
    void error(std::string& out, const StreamLabel* label, const Error& e, std::uint64_t packet = 0);
    // Bytes passed over while looking for a frame header (`why`: the capture joined the
    // link mid-connection, or bytes were lost before them). Not an error.
    void skipped(std::string& out, const StreamLabel* label, std::uint64_t offset, std::uint64_t length,
                 const std::string& why);
    // A reassembly gap: its message already names the direction and offset.
    void gap(std::string& out, const StreamLabel* label, const Error& e);

    std::uint64_t messages() const noexcept { return messages_; }
    std::uint64_t errors() const noexcept { return errors_; }
    // The first error as one line for stderr ("offset 12: ..."), empty if none.
    const std::string& first_error() const noexcept { return first_error_; }

private:
    void print_error(std::string& out, const StreamLabel* label, const Error& e, std::uint64_t packet);
    void note_error(const StreamLabel* label, const std::string& where, const std::string& what);

    FormatOptions opt_;
    std::uint64_t messages_ = 0;
    std::uint64_t errors_ = 0;
    std::string first_error_;
};

} // namespace mitokit::cli
