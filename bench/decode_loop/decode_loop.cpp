// mitokit_decode_loop: decodes one payload file N times into a reused value, for
// bench/decode_ir.py, which counts the instructions one decode takes under
// callgrind (a run of N decodes minus a run of none, over N).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "mitokit/payloads.hpp"

int main(int argc, char** argv) {
    if (argc != 4 || (std::string_view(argv[1]) != "call" && std::string_view(argv[1]) != "pickles")) {
        std::fprintf(stderr, "usage: mitokit_decode_loop call|pickles FILE COUNT\n");
        return 2;
    }
    std::ifstream f(argv[2], std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "mitokit_decode_loop: cannot read %s\n", argv[2]);
        return 1;
    }
    const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(f)), {});
    char* end = nullptr;
    const long count = std::strtol(argv[3], &end, 10);
    if (*end != '\0' || count < 0) {
        std::fprintf(stderr, "mitokit_decode_loop: COUNT must be a non-negative integer, got %s\n", argv[3]);
        return 2;
    }
    const bool call = std::string_view(argv[1]) == "call";
    mitokit::payload::CallFunction c;
    mitokit::pickle::Document doc;
    for (long i = 0; i < count; ++i) {
        const bool ok = call ? static_cast<bool>(mitokit::payload::parse_call_function(data, c))
                             : static_cast<bool>(mitokit::payload::decode_pickles(data, doc, mitokit::Encoding::legacy));
        if (!ok) {
            std::fprintf(stderr, "mitokit_decode_loop: %s does not decode as %s\n", argv[2], argv[1]);
            return 1;
        }
    }
    return 0;
}
