#include "text.hpp"

#include <cstdio>
#include <cstring>

#include "latin1_kernels.hpp"

namespace mitokit::pickle::detail {

namespace {

// The slow path: CPython's reason and the length of the bad sequence at i.
// Always the strict rules: surrogatepass only rescues a complete ED A0..BF xx
// sequence (which the fast path accepted) and otherwise re-raises the strict
// error, so ED A0 is "invalid continuation byte" at the ED alone.
void diagnose(const unsigned char* p, std::size_t n, std::size_t i, const char*& why, std::size_t& len) {
    const unsigned c = p[i];
    std::size_t need;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        why = "invalid start byte";
        len = 1;
        return;
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= n) {
            why = "unexpected end of data"; // what is there so far is valid
            len = n - i;
            return;
        }
        const unsigned b = p[i + k];
        if (b < (k == 1 ? lo : 0x80u) || b > (k == 1 ? hi : 0xbfu)) {
            why = "invalid continuation byte";
            len = k;
            return;
        }
    }
    why = "invalid start byte"; // not reached for input the fast path refused
    len = 1;
}

bool cont(unsigned b) { return (b & 0xc0) == 0x80; }

// Text whose code points are all below U+0100 (what _codecs.encode pickles of
// binary data carry) is checked and converted by the kernels of latin1_kernels.hpp;
// short ASCII text, the usual case otherwise, takes this word-at-a-time test.
bool is_ascii(const unsigned char* p, std::size_t n) {
    constexpr std::uint64_t high = 0x8080808080808080ull;
    if (n >= 8) { // whole words, the last one overlapping
        std::uint64_t acc = 0, w;
        for (std::size_t k = 0; k + 8 <= n; k += 8) {
            std::memcpy(&w, p + k, 8);
            acc |= w;
        }
        std::memcpy(&w, p + n - 8, 8);
        return !((acc | w) & high);
    }
    if (n >= 4) { // two overlapping half words
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        return !((a | b) & 0x80808080u);
    }
    unsigned acc = 0;
    for (std::size_t k = 0; k < n; ++k) acc |= p[k];
    return !(acc & 0x80u);
}

} // namespace

bool utf8_check(std::string_view s, bool allow_surrogates, std::size_t& pos, const char*& why, std::size_t* bad_len) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    if ((n <= 64 && is_ascii(p, n)) || latin1_range(p, n)) return true; // short ASCII text is the usual case
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            while (i + 8 <= n) { // skip ASCII a word at a time
                std::uint64_t w;
                std::memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            continue;
        }
        if (c < 0xe0) {
            if (c < 0xc2 || i + 1 >= n || !cont(p[i + 1])) break;
            i += 2;
        } else if (c < 0xf0) {
            if (i + 2 >= n) break;
            const unsigned b1 = p[i + 1];
            const unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
            const unsigned hi = (c == 0xed && !allow_surrogates) ? 0x9f : 0xbf;
            if (b1 < lo || b1 > hi || !cont(p[i + 2])) break;
            i += 3;
        } else {
            if (c > 0xf4 || i + 3 >= n) break;
            const unsigned b1 = p[i + 1];
            const unsigned lo = c == 0xf0 ? 0x90 : 0x80;
            const unsigned hi = c == 0xf4 ? 0x8f : 0xbf;
            if (b1 < lo || b1 > hi || !cont(p[i + 2]) || !cont(p[i + 3])) break;
            i += 4;
        }
    }
    if (i >= n) return true;
    std::size_t len = 1;
    diagnose(p, n, i, why, len);
    pos = i;
    if (bad_len) *bad_len = len;
    return false;
}

std::string utf8_error(std::string_view s, bool allow_surrogates) {
    std::size_t pos = 0, len = 1;
    const char* why = "";
    if (utf8_check(s, allow_surrogates, pos, why, &len)) return {};
    char buf[96];
    if (len == 1)
        std::snprintf(buf, sizeof buf, "'utf-8' codec can't decode byte 0x%02x in position %zu: ", static_cast<unsigned char>(s[pos]), pos);
    else
        std::snprintf(buf, sizeof buf, "'utf-8' codec can't decode bytes in position %zu-%zu: ", pos, pos + len - 1);
    return buf + std::string(why);
}

std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

std::uint32_t utf8_next(std::string_view s, std::size_t& i) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        return c;
    }
    std::size_t need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    std::uint32_t cp = c & (0x3f >> need);
    for (std::size_t k = 1; k <= need && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += need + 1;
    return cp;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

void latin1_to_utf8(std::string_view bytes, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    out.resize(2 * n + 8);
    auto* w = reinterpret_cast<unsigned char*>(out.data());
    std::size_t i = 0, o = 0;
    while (i < n) {
        if (i + 8 <= n) {
            std::uint64_t chunk;
            std::memcpy(&chunk, p + i, 8);
            if (!(chunk & 0x8080808080808080ull)) {
                std::memcpy(w + o, &chunk, 8);
                i += 8;
                o += 8;
                continue;
            }
        }
        // Always write two bytes; advance by one for ASCII (the second is overwritten).
        const unsigned c = p[i++];
        const unsigned hi = c >> 7;
        w[o] = static_cast<unsigned char>(hi ? 0xc0 | (c >> 6) : c);
        w[o + 1] = static_cast<unsigned char>(0x80 | (c & 0x3f));
        o += 1 + hi;
    }
    out.resize(o);
}

bool utf8_to_latin1(std::string_view s, std::string& out, std::size_t& bad_index, std::uint32_t& bad_cp) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    if (n <= 64 && is_ascii(p, n)) { // short ASCII text: the bytes are the same
        out.clear();
        out.append(s); // cheaper than assign's general replace
        return true;
    }
    out.resize(n); // the latin-1 form is never longer
    const std::size_t o = utf8_to_latin1_bytes(p, n, reinterpret_cast<unsigned char*>(out.data()));
    if (o != SIZE_MAX) {
        out.resize(o);
        return true;
    }
    // A byte >= 0xC4: some code point is above U+00FF. Find the first one.
    std::size_t i = 0, index = 0;
    while (i < n && static_cast<unsigned char>(s[i]) < 0xc4) utf8_next(s, i), ++index;
    bad_index = index;
    bad_cp = i < n ? utf8_next(s, i) : 0;
    return false;
}

bool utf8_to_ascii(std::string_view s, std::string& out, std::size_t& bad_index, std::uint32_t& bad_cp) {
    out.clear();
    std::size_t index = 0;
    for (std::size_t i = 0; i < s.size(); ++index) {
        const std::uint32_t cp = utf8_next(s, i);
        if (cp > 0x7f) {
            bad_index = index;
            bad_cp = cp;
            return false;
        }
        out.push_back(static_cast<char>(cp));
    }
    return true;
}

namespace {
int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
} // namespace

bool raw_unicode_escape_decode(std::string_view in, std::string& out, std::string& err) {
    out.clear();
    std::size_t i = 0;
    while (i < in.size()) {
        const auto c = static_cast<unsigned char>(in[i++]);
        if (c != '\\' || i >= in.size()) {
            append_utf8(out, c);
            continue;
        }
        const char e = in[i++];
        int count = e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (count == 0) {
            out.push_back('\\');
            append_utf8(out, static_cast<unsigned char>(e));
            continue;
        }
        const std::size_t start = i - 2;
        std::uint32_t cp = 0;
        for (; count; --count, ++i) {
            if (i >= in.size() || hexval(in[i]) < 0) {
                err = e == 'u' ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape";
                err += " at position " + std::to_string(start);
                return false;
            }
            cp = (cp << 4) | static_cast<std::uint32_t>(hexval(in[i]));
        }
        if (cp > 0x10ffff) {
            err = "\\Uxxxxxxxx out of range at position " + std::to_string(start);
            return false;
        }
        append_utf8(out, cp);
    }
    return true;
}

bool bytes_escape_decode(std::string_view in, std::string& out, std::string& err) {
    out.clear();
    std::size_t i = 0;
    while (i < in.size()) {
        const char c = in[i++];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (i >= in.size()) {
            err = "Trailing \\ in string";
            return false;
        }
        const char e = in[i++];
        switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 't': out.push_back('\t'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 'v': out.push_back('\v'); break;
        case 'a': out.push_back('\a'); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned v = static_cast<unsigned>(e - '0');
            for (int k = 0; k < 2 && i < in.size() && in[i] >= '0' && in[i] <= '7'; ++k) v = v * 8 + static_cast<unsigned>(in[i++] - '0');
            out.push_back(static_cast<char>(v & 0xff)); // CPython 3.11 keeps the low byte of \400..\777
            break;
        }
        case 'x': {
            if (i + 2 <= in.size() && hexval(in[i]) >= 0 && hexval(in[i + 1]) >= 0) {
                out.push_back(static_cast<char>(hexval(in[i]) * 16 + hexval(in[i + 1])));
                i += 2;
                break;
            }
            err = "invalid \\x escape at position " + std::to_string(i - 2);
            return false;
        }
        default:
            // Unknown escapes stay as written (CPython only warns).
            out.push_back('\\');
            out.push_back(e);
        }
    }
    return true;
}

} // namespace mitokit::pickle::detail
