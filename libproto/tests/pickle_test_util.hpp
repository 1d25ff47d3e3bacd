// Helpers shared by the pickle tests: hex, decode-to-JSON, and the CPython oracle
// (tests/pickle_oracle.py run by MITOKIT_PYTHON, many requests per process).
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"

namespace mitokit::pickle::test {

inline std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out;
    auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(v(h[i]) * 16 + v(h[i + 1])));
    return out;
}

inline std::string hex(std::span<const std::uint8_t> b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s.push_back(d[c >> 4]);
        s.push_back(d[c & 15]);
    }
    return s;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// Decodes and prints every root as canonical JSON joined by '\n', or "ERR <message>".
inline std::string decode_json(std::span<const std::uint8_t> in, const DecodeOptions& opt = {}) {
    Document doc;
    auto st = decode(in, doc, opt);
    if (!st) return "ERR " + st.error().message;
    std::string out;
    for (std::size_t k = 0; k < doc.roots().size(); ++k) {
        if (k) out += '\n';
        auto js = to_json(doc, doc.roots()[k], out);
        if (!js) return "ERR " + js.error().message;
    }
    return out;
}

inline std::string decode_json(std::string_view in) {
    auto b = bytes_of(in);
    return decode_json(b);
}

// Error of decoding `in` (empty if it decoded).
inline Error decode_error(std::string_view in, const DecodeOptions& opt = {}) {
    Document doc;
    auto b = bytes_of(in);
    auto st = decode(b, doc, opt);
    if (st) return Error{Errc::usage, "", 0};
    return st.error();
}

// Encodes the value of a canonical JSON text; hex or "ERR ...".
inline std::string encode_json(std::string_view json, const EncodeOptions& opt = {}) {
    Document doc;
    auto root = from_json(json, doc);
    if (!root) return "ERR " + root.error().message;
    std::vector<std::uint8_t> out;
    auto st = encode(doc, *root, out, opt);
    if (!st) return "ERR " + st.error().message;
    return hex(out);
}

// Runs the oracle in `mode` on each request line; one answer per request.
inline std::vector<std::string> oracle(const std::string& mode, const std::vector<std::string>& requests) {
    char in_path[] = "/tmp/mitokit-oracle-in-XXXXXX";
    const int fd = mkstemp(in_path);
    if (fd < 0) return {};
    close(fd);
    {
        std::ofstream f(in_path, std::ios::binary);
        for (const auto& r : requests) f << r << '\n';
    }
    const std::string cmd = std::string(MITOKIT_PYTHON) + " " + MITOKIT_SOURCE_DIR + "/libproto/tests/pickle_oracle.py " +
                            MITOKIT_SHARED_DIR + " " + mode + " < " + in_path;
    std::vector<std::string> answers;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        std::string line;
        char buf[65536];
        while (std::fgets(buf, sizeof buf, p)) {
            line += buf;
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
                answers.push_back(line);
                line.clear();
            }
        }
        pclose(p);
    }
    std::remove(in_path);
    return answers;
}

} // namespace mitokit::pickle::test
