#include "text.hpp"

#include <glib.h>

namespace mitokit::ws {

std::string valid_utf8(std::string_view s) {
    const auto n = static_cast<gssize>(s.size());
    if (g_utf8_validate(s.data(), n, nullptr)) return std::string(s);
    gchar* fixed = g_utf8_make_valid(s.data(), n); // invalid bytes become U+FFFD
    std::string out(fixed);
    g_free(fixed);
    return out;
}

} // namespace mitokit::ws
