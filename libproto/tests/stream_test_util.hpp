// Helpers shared by the stream decoder tests: fixture files, an event recorder
// that prints events in the fixtures' .expect format, chunked feeding.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "mitokit/stream_decoder.hpp"

namespace mitokit::testing {

inline std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline std::string fixture_dir() { return std::string(MITOKIT_SOURCE_DIR) + "/libproto/tests/data/"; }

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(nib(hex[i]) * 16 + nib(hex[i + 1])));
    return out;
}

// Records every event as one line of text (the .expect format, plus errors), and
// where each payload pointed, for zero-copy checks.
class Recorder final : public StreamHandler {
public:
    std::string text;
    struct Seen { std::uint64_t offset; const std::uint8_t* data; std::size_t size; };
    std::vector<Seen> payloads;
    std::vector<std::vector<std::uint8_t>> payload_bytes;
    std::vector<std::string> bootstrap_text;
    std::vector<Error> errors;
    bool keep_bytes = false;

    void on_message(const MessageView& m) override {
        char line[160];
        const auto& h = m.header;
        std::snprintf(line, sizeof line, "frame %04x %u %u %u %u %u %u %llu\n",
                      static_cast<unsigned>(h.enc), h.dst_id, h.src_id, h.auth_id, h.handle, h.reply_to,
                      h.length, static_cast<unsigned long long>(m.offset));
        text += line;
        payloads.push_back({m.offset, m.payload.data(), m.payload.size()});
        if (keep_bytes) payload_bytes.emplace_back(m.payload.begin(), m.payload.end());
    }
    void on_bootstrap(const BootstrapEvent& e) override {
        char line[160];
        if (e.kind == BootstrapKind::preamble)
            std::snprintf(line, sizeof line, "preamble %llu %llu %llu\n",
                          static_cast<unsigned long long>(e.offset), static_cast<unsigned long long>(e.length),
                          static_cast<unsigned long long>(e.inflated_size));
        else
            std::snprintf(line, sizeof line, "line %s %llu %llu\n", bootstrap_kind_name(e.kind),
                          static_cast<unsigned long long>(e.offset), static_cast<unsigned long long>(e.length));
        text += line;
        bootstrap_text.emplace_back(e.text);
    }
    void on_error(const Error& e) override {
        text += std::string("error ") + errc_name(e.code) + " " + std::to_string(e.offset) + " " + e.message + "\n";
        errors.push_back(e);
    }
};

} // namespace mitokit::testing
