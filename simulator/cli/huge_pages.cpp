#include "huge_pages.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

namespace mitokit::cli {
namespace {

constexpr const char* TUNABLE = "glibc.malloc.hugetlb=1";

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

} // namespace

bool heap_huge_pages() {
    const auto t = env("GLIBC_TUNABLES");
    return t && t->find(TUNABLE) != std::string::npos;
}

std::string restart_with_huge_pages() {
    const auto tunables = env("GLIBC_TUNABLES");
    if (tunables && tunables->find("glibc.malloc.hugetlb") != std::string::npos)
        return "GLIBC_TUNABLES sets glibc.malloc.hugetlb already";
    std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    std::getline(thp, mode);
    if (mode.find("[always]") == std::string::npos && mode.find("[madvise]") == std::string::npos)
        return "transparent huge pages are off in the kernel";
    // The whole command line, whichever program (mitokit or mitokit-sim) runs this.
    std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
    const std::string all{std::istreambuf_iterator<char>(cmdline), std::istreambuf_iterator<char>()};
    std::vector<std::string> args;
    for (std::size_t at = 0; at < all.size();) {
        const std::size_t end = all.find('\0', at);
        args.push_back(all.substr(at, end == std::string::npos ? std::string::npos : end - at));
        if (end == std::string::npos) break;
        at = end + 1;
    }
    if (args.empty()) return "cannot read /proc/self/cmdline";
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string set = tunables && !tunables->empty() ? *tunables + ":" + TUNABLE : TUNABLE;
    if (setenv("GLIBC_TUNABLES", set.c_str(), 1) != 0) return std::string("setenv: ") + std::strerror(errno);
    execv("/proc/self/exe", argv.data());
    const std::string why = std::string("exec /proc/self/exe: ") + std::strerror(errno);
    if (tunables) setenv("GLIBC_TUNABLES", tunables->c_str(), 1);
    else unsetenv("GLIBC_TUNABLES");
    return why;
}

} // namespace mitokit::cli
