// The raw (not pickled) payloads: GET_MODULE, FORWARD_LOG, ADD/DEL_ROUTE,
// FORWARD_MODULE, dead reasons, and the handles whose payload is empty.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "python_text.hpp"

namespace mitokit::payload {
namespace {

std::string hname(std::uint32_t h) {
    const auto n = handle_name(h);
    return n.empty() ? "handle " + std::to_string(h) : std::string(n);
}

Error bad(std::uint32_t h, const std::string& what, std::uint64_t offset = 0) {
    return make_error(Errc::bad_payload, hname(h) + ": " + what, offset);
}

// Shows a short piece of the payload in an error message.
std::string quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 40)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && c != '\'' && c != '\\') {
            out.push_back(c);
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
    return out + (s.size() > 40 ? "'..." : "'");
}

Result<std::string> strict_text(std::uint32_t h, std::string_view field, std::string_view s, std::size_t base) {
    if (const auto at = text::utf8_error(s))
        return bad(h, std::string(field) + " is not valid UTF-8 at byte " + std::to_string(base + *at), base + *at);
    return std::string(s);
}

// A context ID written as decimal text, read with Python's int().
Result<std::uint32_t> context_id(std::uint32_t h, std::string_view field, std::string_view s) {
    bool overflow = false;
    const auto v = text::py_int(s, &overflow);
    if (!v && !overflow) return bad(h, std::string(field) + " " + quoted(s) + " is not a decimal integer");
    if (!v || *v < 0 || *v > std::numeric_limits<std::uint32_t>::max())
        return bad(h, std::string(field) + " " + quoted(s) + " is out of range for a context ID");
    return static_cast<std::uint32_t>(*v);
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

} // namespace

Result<GetModule> parse_get_module(Bytes data) {
    auto name = strict_text(handle::GET_MODULE, "module name", text::as_text(data.data(), data.size()), 0);
    if (!name) return std::move(name).error();
    return GetModule{std::move(*name)};
}

Result<ForwardLog> parse_forward_log(Bytes data) {
    // The master decodes with 'replace', then splits on NUL at most twice.
    const std::string all = text::utf8_replace(text::as_text(data.data(), data.size()));
    const auto a = all.find('\0');
    const auto b = a == std::string::npos ? std::string::npos : all.find('\0', a + 1);
    if (b == std::string::npos)
        return bad(handle::FORWARD_LOG, "want \"name\\0level\\0message\", found " +
                                            std::to_string(a == std::string::npos ? 0 : 1) + " NUL separator(s)");
    ForwardLog out;
    out.logger = all.substr(0, a);
    const std::string_view level = std::string_view(all).substr(a + 1, b - a - 1);
    bool overflow = false;
    const auto v = text::py_int_text(level, &overflow); // int() of the decoded str
    if (!v || *v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
        return bad(handle::FORWARD_LOG,
                   "level " + quoted(level) + (v || overflow ? " is out of range" : " is not a decimal integer"));
    out.level = static_cast<int>(*v);
    out.message = all.substr(b + 1);
    return out;
}

std::optional<RouteView> read_route(Bytes data) noexcept {
    const std::uint8_t* p = data.data();
    const std::size_t n = data.size();
    std::size_t i = 0;
    std::uint32_t id = 0;
    std::uint64_t w = 0;
    if (n >= 8) std::memcpy(&w, p, 8);
    // Bytes that are not digits, each marked by its top bit: b ^ '0' is 0-9 for
    // a digit, and adding 0x76 to its low seven bits sets the top one from 10 on.
    const std::uint64_t a = w ^ 0x3030303030303030ull;
    const std::uint64_t not_digit =
        (((a & 0x7f7f7f7f7f7f7f7full) + 0x7676767676767676ull) | a) & 0x8080808080808080ull;
    const auto leading = static_cast<std::size_t>(std::countr_zero(not_digit)) / 8; // 8 when all are
    if (std::endian::native == std::endian::little && n >= 8 && leading > 0 && leading < 8) {
        i = leading;
        // Up to seven digits, the first in the lowest byte: moved up (zeros
        // before them change nothing) and combined in pairs, fours, eights.
        std::uint64_t v = a << (64 - 8 * i);
        v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffull;
        v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffull;
        v = v * 10000 + (v >> 32);
        id = static_cast<std::uint32_t>(v);
    } else {
        // A short payload, eight digits or more, or none.
        const std::size_t lim = n < 10 ? n : 10;
        for (; i < lim; ++i) {
            const unsigned d = p[i] - unsigned{'0'}; // wraps for bytes below '0'
            if (d > 9) break;
            id = id * 10 + d;
        }
    }
    // parse_route's own shortcut takes the same IDs; longer ones go through int().
    if (i == 0 || i > 9 || (p[0] == '0' && i > 1)) return std::nullopt;
    RouteView v;
    v.id = id;
    if (i == n) return v;
    if (p[i] != ':') return std::nullopt;
    // Not ASCII is parse_route's to judge (the UTF-8 check).
    if (!text::is_ascii(p + i + 1, n - i - 1)) return std::nullopt;
    v.has_name = true;
    v.name = text::as_text(p + i + 1, n - i - 1);
    return v;
}

Result<Route> parse_route(std::uint32_t handle, Bytes data) {
    if (handle != handle::ADD_ROUTE && handle != handle::DEL_ROUTE)
        return bad(handle, "not a route handle (want ADD_ROUTE or DEL_ROUTE)");
    // bytes.partition(b':'): the name is everything after the first colon.
    const std::string_view all = text::as_text(data.data(), data.size());
    const auto colon = all.find(':');
    const std::string_view id_text = all.substr(0, colon);
    Route r;
    // What RouteMonitor writes, str(int) of 1-9 digits without a leading zero,
    // is read here: an ID every context's route carries past each ancestor.
    // Anything else is int()'s to judge (signs, spaces, underscores, range).
    if (id_text.size() - 1 < 9 && (id_text[0] != '0' || id_text.size() == 1) &&
        std::all_of(id_text.begin(), id_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        for (char c : id_text) r.id = r.id * 10 + static_cast<std::uint32_t>(c - '0');
    } else {
        auto id = context_id(handle, "id", id_text);
        if (!id) return std::move(id).error();
        r.id = *id;
    }
    if (colon != std::string_view::npos) {
        const std::string_view name = all.substr(colon + 1);
        // ASCII is valid UTF-8 as it is: no check to run.
        if (std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
            r.name.emplace(name);
            return r;
        }
        auto checked = strict_text(handle, "name", name, colon + 1);
        if (!checked) return std::move(checked).error();
        r.name = std::move(*checked);
    }
    return r;
}

Result<ForwardModule> parse_forward_module(Bytes data) {
    const std::string_view all = text::as_text(data.data(), data.size());
    const auto nul = all.find('\0');
    auto id = context_id(handle::FORWARD_MODULE, "target id", all.substr(0, nul));
    if (!id) return std::move(id).error();
    ForwardModule f;
    f.target = *id;
    if (nul != std::string_view::npos) {
        auto name = strict_text(handle::FORWARD_MODULE, "module name", all.substr(nul + 1), nul + 1);
        if (!name) return std::move(name).error();
        f.fullname = std::move(*name);
    }
    return f;
}

Result<Dead> parse_dead(Bytes data) {
    return Dead{text::utf8_replace(text::as_text(data.data(), data.size()))};
}

std::string Dead::channel_error(bool from_self) const {
    if (!reason.empty()) return reason;
    return from_self ? "Channel closed by local end." : "Channel closed by remote end.";
}

Status check_empty(std::uint32_t handle, Bytes data) {
    if (!data.empty())
        return bad(handle, "payload must be empty, got " + std::to_string(data.size()) + " bytes");
    return {};
}

std::vector<std::uint8_t> build_get_module(std::string_view fullname) { return bytes_of(fullname); }

std::vector<std::uint8_t> build_forward_log(std::string_view logger, int level, std::string_view message) {
    std::string s(logger);
    s.push_back('\0');
    s += std::to_string(level);
    s.push_back('\0');
    s += message;
    return bytes_of(s);
}

std::vector<std::uint8_t> build_route(std::uint32_t id, const std::optional<std::string>& name) {
    std::vector<std::uint8_t> out;
    build_route(id, name, out);
    return out;
}

void build_route(std::uint32_t id, const std::optional<std::string>& name, std::vector<std::uint8_t>& out) {
    write_route(id, name ? std::string_view(*name) : std::string_view(), out);
}

void write_route(std::uint32_t id, std::string_view name, std::vector<std::uint8_t>& out) {
    // RouteMonitor writes "id:name" only for a non-empty name. Written straight
    // into one buffer with one resize: every context's route crosses each of
    // its ancestors.
    char digits[10];
    const auto n = static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, id).ptr - digits);
    const bool named = !name.empty();
    out.resize(n + (named ? 1 + name.size() : 0));
    std::uint8_t* p = out.data();
    std::memcpy(p, digits, n);
    if (named) {
        p[n] = ':';
        std::memcpy(p + n + 1, name.data(), name.size());
    }
}

std::vector<std::uint8_t> build_forward_module(std::uint32_t target, std::string_view fullname) {
    std::string s = std::to_string(target);
    s.push_back('\0');
    s += fullname;
    return bytes_of(s);
}

std::vector<std::uint8_t> build_dead(std::string_view reason) { return bytes_of(reason); }

Header dead_reply_header(const Header& request, std::uint32_t my_id, std::uint32_t reason_length) {
    Header h;
    h.enc = Encoding::legacy;
    h.dst_id = request.src_id;
    h.src_id = my_id;
    h.auth_id = my_id;
    h.handle = request.reply_to;
    h.reply_to = handle::IS_DEAD;
    h.length = reason_length;
    return h;
}

namespace reason {
std::string no_route(std::int64_t dst, std::int64_t me) {
    return "no route to " + std::to_string(dst) + ", my ID is " + std::to_string(me);
}
std::string too_large(std::uint64_t max) { return "message too large (max " + std::to_string(max) + " bytes)"; }
std::string unidirectional(std::int64_t src, std::int64_t dst, std::int64_t via) {
    return "routing mode prevents forward of message from context " + std::to_string(src) + " to context " +
           std::to_string(dst) + " via context " + std::to_string(via);
}
} // namespace reason

} // namespace mitokit::payload
