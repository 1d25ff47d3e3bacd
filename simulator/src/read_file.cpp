#include "mitokit/sim/read_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace mitokit::sim {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

} // namespace

Result<std::string> read_whole_file(const std::string& path, std::string_view what) {
    const auto fail = [&](const char* verb) {
        return make_error(Errc::io, std::string(verb) + " " + std::string(what) + (what.empty() ? "" : " ") + "'" + path +
                                        "': " + std::strerror(errno));
    };
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail("cannot open");
    std::string out;
    char buf[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
        out.append(buf, n);
        if (n == sizeof buf) continue;
        if (std::ferror(f.get())) return fail("cannot read");
        return out;
    }
}

} // namespace mitokit::sim
