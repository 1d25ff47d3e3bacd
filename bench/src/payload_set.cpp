#include "payload_set.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

#include "mitokit/frame.hpp"
#include "mitokit/handles.hpp"

namespace mitokit::bench {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The value of a "key": "string" member in one JSON line (the vectors' own flat format).
std::string json_field(const std::string& line, std::string_view key) {
    const std::string needle = "\"" + std::string(key) + "\": \"";
    const auto at = line.find(needle);
    if (at == std::string::npos) return {};
    const auto start = at + needle.size();
    return line.substr(start, line.find('"', start) - start);
}

std::vector<std::uint8_t> from_hex(const std::string& h) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

bool wanted_handle(std::uint32_t h) {
    return h == handle::CALL_FUNCTION || h == handle::LOAD_MODULE || h >= handle::FIRST_DYNAMIC;
}

} // namespace

std::string data_dir() {
    if (const char* e = std::getenv("MITOKIT_BENCH_DATA_DIR")) return e;
    return MITOKIT_BENCH_DATA_DIR;
}

std::string shared_dir() {
    if (const char* e = std::getenv("MITOKIT_SHARED_DIR")) return e;
    return MITOKIT_SHARED_DIR;
}

std::vector<Payload> load_payloads(const std::string& shared) {
    std::vector<Payload> out;
    // The simulator's own payloads, kept in the repository so that figures on
    // them can be reproduced without shared/.
    std::vector<fs::path> sim;
    for (const auto& e : fs::directory_iterator(data_dir()))
        if (e.path().extension() == ".bin") sim.push_back(e.path());
    std::sort(sim.begin(), sim.end());
    for (const auto& p : sim) out.push_back({"sim/" + p.stem().string(), read_file(p)});
    const fs::path pdir = fs::path(shared) / "payloads";
    std::vector<fs::path> bins;
    for (const auto& e : fs::directory_iterator(pdir))
        if (e.path().extension() == ".bin") bins.push_back(e.path());
    std::sort(bins.begin(), bins.end());
    for (const auto& p : bins) {
        const std::string stem = p.stem().string();
        if (stem.rfind("call_function", 0) != 0 && stem.rfind("load_module", 0) != 0 &&
            stem.rfind("reply", 0) != 0 && stem.rfind("sender", 0) != 0 && stem.rfind("dict", 0) != 0 &&
            stem.rfind("int_list", 0) != 0)
            continue; // get_module is raw text, not a pickle
        out.push_back({"payloads/" + stem, read_file(p)});
    }
    for (const char* version : {"0.3.3", "0.3.52"}) {
        std::ifstream f(fs::path(shared) / "vectors" / (std::string("mitogen-") + version + ".jsonl"));
        for (std::string line; std::getline(f, line);) {
            if (line.find("\"raw\": null") == std::string::npos) continue; // raw payloads are not pickles
            const auto frame = from_hex(json_field(line, "frame"));
            auto h = decode_header(frame);
            if (!h || !wanted_handle(h->handle) || h->is_dead() || frame.size() <= HEADER_SIZE) continue;
            out.push_back({std::string("v") + version + "/" + json_field(line, "name"),
                           std::vector<std::uint8_t>(frame.begin() + HEADER_SIZE, frame.end())});
        }
    }
    return out;
}

} // namespace mitokit::bench
