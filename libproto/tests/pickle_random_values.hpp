// Seeded random canonical-JSON values of mitogen's vocabulary, for the
// differential tests against CPython (pickle_differential_test.cpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "../src/pickle/base64.hpp"
#include "../src/pickle/pynumber.hpp"

namespace mitokit::pickle::test {

class RandomValues {
public:
    explicit RandomValues(std::uint64_t seed) : rng_(seed) {}

    std::string value(int depth = 0) {
        const int pick = static_cast<int>(below(depth >= 4 ? 9 : 17));
        switch (pick) {
        case 0: return "null";
        case 1: return below(2) ? "true" : "false";
        case 2: case 3: return integer();
        case 4: return big_integer();
        case 5: return floating();
        case 6: case 7: return str();
        case 8: return bytes("bytes");
        case 9: return "{\"tuple\":" + array(depth, 5) + "}";
        case 10: return array(depth, 5);
        case 11: return pairs("dict", depth);
        case 12: return pairs("kwargs", depth);
        case 13: return below(2) ? bytes("blob") : "{\"secret\":" + str() + "}";
        case 14: return "{\"call_error\":" + str() + "}";
        case 15: {
            std::string name = below(3) == 0 ? "null" : below(5) == 0 ? "\"\"" : str(40);
            return "{\"context\":[" + std::to_string(below(3) ? below(300) : rng_() >> 2) + "," + name + "]}";
        }
        default: return "{\"sender\":[" + std::to_string(below(2000)) + "," + std::to_string(1 + below(3) * below(100000)) + "]}";
        }
    }

    // A hashable key (dict keys), sometimes equal across types (1, 1.0, true).
    std::string key(int depth) {
        switch (below(8)) {
        case 0: return str(6);
        case 1: return std::to_string(below(4));
        case 2: return below(2) ? "{\"float\":\"1.0\"}" : "true";
        case 3: return bytes("bytes");
        case 4: return depth < 3 ? "{\"tuple\":[" + key(depth + 1) + "," + key(depth + 1) + "]}" : "null";
        case 5: return floating();
        case 6: return big_integer();
        default: return str(3);
        }
    }

    std::uint64_t below(std::uint64_t n) { return rng_() % n; }

    std::string integer() {
        static const long long edges[] = {0, 1, 255, 256, 65535, 65536, 2147483647LL, 2147483648LL, -1, -128, -129, -256,
                                          -2147483648LL, -2147483649LL, 9007199254740991LL, 9007199254740992LL,
                                          -9007199254740992LL, 9223372036854775807LL, -9223372036854775807LL - 1};
        long long v;
        switch (below(4)) {
        case 0: v = edges[below(sizeof edges / sizeof edges[0])]; break;
        case 1: v = static_cast<long long>(below(300)); break;
        case 2: v = static_cast<long long>(rng_() >> below(64)) * (below(2) ? 1 : -1); break;
        default: v = static_cast<long long>(below(100000)) - 50000;
        }
        if (v > -9007199254740992LL && v < 9007199254740992LL) return std::to_string(v);
        return "{\"int\":\"" + std::to_string(v) + "\"}";
    }

    std::string big_integer() {
        std::string d(1, static_cast<char>('1' + below(9)));
        const std::size_t n = 16 + below(70);
        for (std::size_t i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + below(10)));
        return "{\"int\":\"" + std::string(below(2) ? "-" : "") + d + "\"}";
    }

    std::string floating() {
        static const double specials[] = {0.0, -0.0, 1.5, 1e100, 1e16, 1e15, 123456789012345678.0, 0.0001, 0.00001, 1e-300,
                                          5e-324, 1.7976931348623157e308, 0.1, 1.0 / 3, 2.5e-5, 1e22};
        double v;
        if (below(3) == 0) {
            v = specials[below(sizeof specials / sizeof specials[0])];
        } else {
            std::uint64_t bits = rng_();
            std::memcpy(&v, &bits, 8);
            if (below(2)) v = static_cast<double>(static_cast<std::int64_t>(rng_() >> below(60))) / static_cast<double>(1 + below(1000));
        }
        std::string r;
        detail::float_repr(v, r);
        if (below(20) == 0) r = below(2) ? "inf" : "-inf";
        return "{\"float\":\"" + r + "\"}";
    }

    std::string str(std::size_t max_len = 24) {
        std::size_t len;
        switch (below(6)) {
        case 0: len = 0; break;
        case 1: len = 1; break;
        case 2: len = 2; break;
        default: len = below(max_len + 1);
        }
        std::string out = "\"";
        const int pool = static_cast<int>(below(5));
        for (std::size_t i = 0; i < len; ++i) {
            std::uint32_t cp;
            switch (below(pool == 0 ? 1 : 4)) {
            case 0: cp = 0x20 + static_cast<std::uint32_t>(below(95)); break;
            case 1: cp = static_cast<std::uint32_t>(below(256)); break;
            case 2: cp = static_cast<std::uint32_t>(below(0x10000)); break;
            default: cp = 0x10000 + static_cast<std::uint32_t>(below(0x100000)); break;
            }
            append_escaped(out, cp);
        }
        return out + "\"";
    }

    std::string bytes(const char* tag) {
        std::size_t len = below(4) == 0 ? below(2) : below(40);
        std::string data;
        for (std::size_t i = 0; i < len; ++i) data.push_back(static_cast<char>(below(3) ? 'a' + below(3) : below(256)));
        std::string b64;
        detail::base64_encode(data, b64);
        return std::string("{\"") + tag + "\":\"" + b64 + "\"}";
    }

    std::string array(int depth, std::size_t max) {
        std::size_t n = below(max + 1);
        const bool long_one = below(60) == 0;
        if (long_one) n = 998 + below(5) + (below(4) == 0 ? 1000 : 0);
        std::string out = "[";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ",";
            out += long_one ? std::to_string(below(70000)) : value(depth + 1);
        }
        return out + "]";
    }

    std::string pairs(const char* tag, int depth) {
        std::size_t n = below(5);
        const bool long_one = below(60) == 0;
        if (long_one) n = 998 + below(5) + (below(4) == 0 ? 1000 : 0);
        std::string out = std::string("{\"") + tag + "\":[";
        const bool kw = std::string_view(tag) == "kwargs";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ",";
            std::string k;
            if (long_one) k = "\"k" + std::to_string(i) + "\"";
            else if (kw) k = below(4) == 0 ? bytes("bytes") : str(8);
            else k = key(depth + 1);
            out += "[" + k + "," + (long_one ? std::to_string(i) : value(depth + 1)) + "]";
        }
        return out + "]}";
    }

private:
    static void append_escaped(std::string& out, std::uint32_t cp) {
        char buf[16];
        if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\') {
            out.push_back(static_cast<char>(cp));
        } else if (cp > 0xffff) {
            cp -= 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
            out += buf;
        } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", cp);
            out += buf;
        }
    }

    std::mt19937_64 rng_;
};

} // namespace mitokit::pickle::test
