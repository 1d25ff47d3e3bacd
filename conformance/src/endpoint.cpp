#include "mitokit/conformance/endpoint.hpp"

namespace mitokit::conformance {

Result<std::string> parse_unix_spec(std::string_view spec) {
    constexpr std::string_view prefix = "unix:";
    if (spec.substr(0, prefix.size()) != prefix)
        return make_error(Errc::usage, "peer '" + std::string(spec) + "' is not unix:PATH");
    std::string path(spec.substr(prefix.size()));
    if (path.empty()) return make_error(Errc::usage, "peer '" + std::string(spec) + "' has an empty socket path");
    if (path.find('\0') != std::string::npos)
        return make_error(Errc::usage, "peer socket path contains a NUL byte");
    return path;
}

} // namespace mitokit::conformance
