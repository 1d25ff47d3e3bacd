// Replays saved inputs through a target in the normal build (no libFuzzer), so
// every input that once failed stays a regression test:
//   fuzz_replay TARGET PATH...   (files, or folders of files)
// Exit 0 when every input ran; an input that breaks an invariant aborts, which
// ctest reports with the file named on stderr first.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "targets.hpp"

namespace fs = std::filesystem;

namespace {

int replay_file(mitokit::fuzz::TargetFn fn, const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "fuzz_replay: cannot read %s\n", p.c_str());
        return 1;
    }
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", p.c_str(), bytes.size());
    fn(bytes.data(), bytes.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET PATH...\ntargets:");
        for (const auto& t : mitokit::fuzz::kTargets) std::fprintf(stderr, " %.*s", int(t.name.size()), t.name.data());
        std::fprintf(stderr, "\n");
        return 2;
    }
    const std::string_view name = argv[1];
    mitokit::fuzz::TargetFn fn = nullptr;
    for (const auto& t : mitokit::fuzz::kTargets)
        if (t.name == name) fn = t.fn;
    if (!fn) {
        std::fprintf(stderr, "fuzz_replay: unknown target '%s'\n", argv[1]);
        return 2;
    }
    int failures = 0;
    std::size_t count = 0;
    for (int i = 2; i < argc; ++i) {
        const fs::path p = argv[i];
        if (!fs::exists(p)) continue; // a target may have no regressions yet
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) { failures += replay_file(fn, f); ++count; }
        } else {
            failures += replay_file(fn, p);
            ++count;
        }
    }
    std::printf("fuzz_replay %s: %zu inputs, %d unreadable\n", argv[1], count, failures);
    return failures ? 1 : 0;
}
