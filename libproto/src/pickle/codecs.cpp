#include "codecs.hpp"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "text.hpp"

namespace mitokit::pickle::detail {
namespace {

enum class Codec { utf8, latin1, ascii, unknown };

// codecs.lookup() as CPython 3.11 does it: _Py_normalize_encoding (ASCII letters,
// digits and '.' kept and lowered, every other run of bytes one '_', none at the
// ends), then encodings.search_function: the aliases (also with '.' read as '_'),
// else the module of that name. Only the three modelled codecs are resolved.
Codec codec_of(std::string_view name) {
    std::string n;
    bool punct = false;
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) return Codec::unknown; // "embedded null character"
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && c != '.') {
            punct = true;
            continue;
        }
        if (punct && !n.empty()) n.push_back('_');
        punct = false;
        n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    // encodings.aliases entries for utf_8, latin_1 and ascii (CPython 3.11).
    static constexpr std::pair<std::string_view, Codec> kAliases[] = {
        {"u8", Codec::utf8}, {"utf", Codec::utf8}, {"utf8", Codec::utf8}, {"utf8_ucs2", Codec::utf8},
        {"utf8_ucs4", Codec::utf8}, {"cp65001", Codec::utf8},
        {"8859", Codec::latin1}, {"cp819", Codec::latin1}, {"csisolatin1", Codec::latin1}, {"ibm819", Codec::latin1},
        {"iso8859", Codec::latin1}, {"iso8859_1", Codec::latin1}, {"iso_8859_1", Codec::latin1},
        {"iso_8859_1_1987", Codec::latin1}, {"iso_ir_100", Codec::latin1}, {"l1", Codec::latin1},
        {"latin", Codec::latin1}, {"latin1", Codec::latin1},
        {"646", Codec::ascii}, {"ansi_x3.4_1968", Codec::ascii}, {"ansi_x3_4_1968", Codec::ascii},
        {"ansi_x3.4_1986", Codec::ascii}, {"cp367", Codec::ascii}, {"csascii", Codec::ascii}, {"ibm367", Codec::ascii},
        {"iso646_us", Codec::ascii}, {"iso_646.irv_1991", Codec::ascii}, {"iso_ir_6", Codec::ascii},
        {"us", Codec::ascii}, {"us_ascii", Codec::ascii},
    };
    const auto alias = [](std::string_view k) {
        for (const auto& [a, c] : kAliases)
            if (a == k) return c;
        return Codec::unknown;
    };
    if (const Codec c = alias(n); c != Codec::unknown) return c;
    std::string underscored = n;
    for (char& c : underscored)
        if (c == '.') c = '_';
    if (const Codec c = alias(underscored); c != Codec::unknown) return c;
    if (n == "utf_8") return Codec::utf8; // the codec modules themselves
    if (n == "latin_1") return Codec::latin1;
    if (n == "ascii") return Codec::ascii;
    return Codec::unknown;
}

const char* codec_name(Codec c) { return c == Codec::utf8 ? "utf-8" : c == Codec::latin1 ? "latin-1" : "ascii"; }

std::string hex_cp(std::uint32_t cp) {
    char buf[16];
    if (cp <= 0xff) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
    else if (cp <= 0xffff) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
    return buf;
}

bool known_handler(std::string_view e) {
    return e == "strict" || e == "ignore" || e == "replace" || e == "backslashreplace" || e == "xmlcharrefreplace" ||
           e == "surrogateescape" || e == "surrogatepass";
}

Error unknown_handler(std::string_view errors) {
    if (errors == "namereplace") return make_error(Errc::unsupported, "mitokit does not model the error handler 'namereplace'");
    return make_error(Errc::bad_argument, "unknown error handler name '" + std::string(errors) + "'");
}

} // namespace

Result<std::string> encode_text(std::string_view text, std::string_view encoding, std::string_view errors) {
    const Codec c = codec_of(encoding);
    if (c == Codec::unknown) return make_error(Errc::unsupported, "mitokit does not model the codec '" + std::string(encoding) + "'");
    const std::uint32_t limit = c == Codec::latin1 ? 0x100 : c == Codec::ascii ? 0x80 : 0x110000;
    auto bad = [&](std::uint32_t cp) { return cp >= limit || (c == Codec::utf8 && cp >= 0xd800 && cp <= 0xdfff); };
    std::string out;
    std::vector<std::uint32_t> cps;
    for (std::size_t i = 0; i < text.size();) cps.push_back(utf8_next(text, i));
    for (std::size_t k = 0; k < cps.size(); ++k) {
        const std::uint32_t cp = cps[k];
        if (!bad(cp)) {
            if (c == Codec::utf8) append_utf8(out, cp);
            else out.push_back(static_cast<char>(cp));
            continue;
        }
        std::size_t end = k; // CPython reports a run of unencodable characters as one error
        while (end < cps.size() && bad(cps[end])) ++end;
        bool handled = true;
        for (std::size_t j = k; j < end && handled; ++j) {
            const std::uint32_t x = cps[j];
            if (errors == "ignore") {
            } else if (errors == "replace") {
                out.push_back('?');
            } else if (errors == "backslashreplace") {
                out += hex_cp(x);
            } else if (errors == "xmlcharrefreplace") {
                out += "&#" + std::to_string(x) + ";";
            } else if (errors == "surrogateescape") {
                if (x >= 0xdc80 && x <= 0xdcff) out.push_back(static_cast<char>(x - 0xdc00));
                else handled = false;
            } else if (errors == "surrogatepass" && c == Codec::utf8) {
                append_utf8(out, x); // only surrogates are bad for utf-8
            } else {
                handled = false;
            }
        }
        if (!handled) {
            if (errors != "strict" && !known_handler(errors)) return unknown_handler(errors);
            const char* why = c == Codec::utf8 ? "surrogates not allowed" : c == Codec::latin1 ? "ordinal not in range(256)" : "ordinal not in range(128)";
            std::string msg = std::string("'") + codec_name(c) + "' codec can't encode ";
            if (end - k == 1) msg += "character '" + hex_cp(cp) + "' in position " + std::to_string(k);
            else msg += "characters in position " + std::to_string(k) + "-" + std::to_string(end - 1);
            return make_error(Errc::bad_argument, msg + ": " + why);
        }
        k = end - 1;
    }
    return out;
}

Result<std::string> decode_bytes(std::string_view data, std::string_view encoding, std::string_view errors) {
    const Codec c = codec_of(encoding);
    if (c == Codec::unknown) return make_error(Errc::unsupported, "mitokit does not model the codec '" + std::string(encoding) + "'");
    std::string out;
    if (c == Codec::latin1) {
        latin1_to_utf8(data, out);
        return out;
    }
    std::size_t i = 0;
    while (i < data.size()) {
        std::size_t pos = 0, len = 1;
        const char* why = "ordinal not in range(128)";
        const std::string_view rest = data.substr(i);
        bool ok;
        if (c == Codec::utf8) {
            ok = utf8_check(rest, errors == "surrogatepass", pos, why, &len);
        } else {
            ok = true;
            for (std::size_t k = 0; k < rest.size(); ++k)
                if (static_cast<unsigned char>(rest[k]) > 0x7f) {
                    ok = false;
                    pos = k;
                    break;
                }
        }
        if (ok) {
            out.append(rest);
            break;
        }
        out.append(rest.substr(0, pos));
        const std::size_t at = i + pos;
        const std::string_view badseq = data.substr(at, len);
        if (errors == "ignore") {
        } else if (errors == "replace") {
            out += "\xef\xbf\xbd";
        } else if (errors == "backslashreplace") {
            for (unsigned char b : badseq) out += hex_cp(b);
        } else if (errors == "surrogateescape") {
            for (unsigned char b : badseq) append_utf8(out, 0xdc00u + b);
        } else {
            if (errors != "strict" && errors != "surrogatepass" && !known_handler(errors)) return unknown_handler(errors);
            char buf[96];
            if (len == 1)
                std::snprintf(buf, sizeof buf, "' codec can't decode byte 0x%02x in position %zu: ", static_cast<unsigned char>(data[at]), at);
            else
                std::snprintf(buf, sizeof buf, "' codec can't decode bytes in position %zu-%zu: ", at, at + len - 1);
            return make_error(Errc::bad_argument, std::string("'") + codec_name(c) + buf + why);
        }
        i = at + len;
    }
    return out;
}

} // namespace mitokit::pickle::detail
