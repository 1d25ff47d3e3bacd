#include "pynumber.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "bigint.hpp"

namespace mitokit::pickle::detail {

void float_repr(double v, std::string& out) {
    if (std::isnan(v)) {
        out += "nan";
        return;
    }
    if (std::isinf(v)) {
        out += v < 0 ? "-inf" : "inf";
        return;
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
    bool negative = false;
    if (sci[0] == '-') {
        negative = true;
        sci.remove_prefix(1);
    }
    const std::size_t epos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, epos))
        if (c != '.') digits.push_back(c);
    int exp = 0;
    std::string_view es = sci.substr(epos + 1);
    if (es[0] == '+') es.remove_prefix(1);
    std::from_chars(es.data(), es.data() + es.size(), exp);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    const int n = static_cast<int>(digits.size());
    if (negative) out.push_back('-');
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            if (n <= exp + 1) {
                out += digits;
                out.append(static_cast<std::size_t>(exp + 1 - n), '0');
                out += ".0";
            } else {
                out.append(digits, 0, static_cast<std::size_t>(exp + 1));
                out.push_back('.');
                out.append(digits, static_cast<std::size_t>(exp + 1));
            }
        } else {
            out += "0.";
            out.append(static_cast<std::size_t>(-exp - 1), '0');
            out += digits;
        }
        return;
    }
    out.push_back(digits[0]);
    if (n > 1) {
        out.push_back('.');
        out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out += std::to_string(a);
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != b[i]) return false;
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Py_ISSPACE: int() and float() of CPython 3.11 skip only these six, also for a
// str ("\x1c7" is not an int, though '\x1c'.isspace()).
bool py_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

// Whether a well-formed decimal literal (digits, point, exponent) is below 1 in
// magnitude: its first significant digit sits after the point once the exponent
// is applied. Exponents saturate, so any length of digits is safe.
bool below_one(std::string_view body) {
    const std::size_t e = body.find_first_of("eE");
    const std::string_view mant = body.substr(0, e);
    std::int64_t exp = 0;
    if (e != std::string_view::npos) {
        std::size_t i = e + 1;
        const bool neg = i < body.size() && body[i] == '-';
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
        for (; i < body.size(); ++i) exp = std::min<std::int64_t>(exp * 10 + (body[i] - '0'), std::int64_t{1} << 40);
        if (neg) exp = -exp;
    }
    // Position of the first nonzero digit: k digits before the point gives 10^(k-1).
    const std::size_t point = std::min(mant.find('.'), mant.size());
    const std::size_t first = mant.find_first_of("123456789");
    if (first == std::string_view::npos) return true;
    const std::int64_t pos = first < point ? static_cast<std::int64_t>(point - first) - 1
                                           : -static_cast<std::int64_t>(first - point);
    return pos + exp < 0;
}

} // namespace

ParseFloat parse_float(std::string_view s, double& v) {
    bool negative = false;
    std::string_view body = s;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
        negative = body[0] == '-';
        body.remove_prefix(1);
    }
    if (iequals(body, "inf") || iequals(body, "infinity")) {
        v = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        return ParseFloat::ok;
    }
    if (iequals(body, "nan")) {
        v = negative ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
        return ParseFloat::ok;
    }
    // digits [. digits] | . digits, then an optional exponent; nothing else.
    std::size_t i = 0, int_digits = 0, frac_digits = 0;
    while (i < body.size() && is_digit(body[i])) ++i, ++int_digits;
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && is_digit(body[i])) ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) return ParseFloat::invalid;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
        std::size_t exp_digits = 0;
        while (i < body.size() && is_digit(body[i])) ++i, ++exp_digits;
        if (exp_digits == 0) return ParseFloat::invalid;
    }
    if (i != body.size()) return ParseFloat::invalid;
    double out = 0;
    auto r = std::from_chars(body.data(), body.data() + body.size(), out, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range) {
        // from_chars reports underflow too: tell them apart by the decimal exponent
        // of the first significant digit ("0.000…01" without an exponent is tiny).
        if (!below_one(body)) return ParseFloat::overflow;
        out = 0.0;
    } else if (r.ec != std::errc{} || r.ptr != body.data() + body.size()) {
        return ParseFloat::invalid;
    }
    v = negative ? -out : out;
    return ParseFloat::ok;
}

bool parse_python_float(std::string_view l, double& d) {
    while (!l.empty() && py_space(l.front())) l.remove_prefix(1);
    while (!l.empty() && py_space(l.back())) l.remove_suffix(1);
    std::string t;
    for (std::size_t i = 0; i < l.size(); ++i) {
        if (l[i] != '_') {
            t.push_back(l[i]);
            continue;
        }
        if (i == 0 || i + 1 >= l.size() || !is_digit(l[i - 1]) || !is_digit(l[i + 1])) return false;
    }
    switch (parse_float(t, d)) {
    case ParseFloat::ok: return true;
    case ParseFloat::overflow:
        d = !t.empty() && t[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return true;
    case ParseFloat::invalid: break;
    }
    return false;
}

ParseInt parse_int(std::string_view s, int base, IntText& out) {
    std::size_t i = 0;
    while (i < s.size() && py_space(s[i])) ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    bool zeros_only = false; // base 0 with a leading 0 and no prefix: "000" only
    if (base == 0) {
        if (i + 1 < s.size() && s[i] == '0' && ((s[i + 1] | 0x20) == 'x' || (s[i + 1] | 0x20) == 'o' || (s[i + 1] | 0x20) == 'b')) {
            const char p = static_cast<char>(s[i + 1] | 0x20);
            base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
            i += 2;
            if (i < s.size() && s[i] == '_') ++i; // one underscore may follow a prefix
        } else {
            zeros_only = i < s.size() && s[i] == '0';
            base = 10;
        }
    } else if (base == 16 || base == 8 || base == 2) {
        const char want = base == 16 ? 'x' : base == 8 ? 'o' : 'b';
        if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] | 0x20) == want) {
            i += 2;
            if (i < s.size() && s[i] == '_') ++i;
        }
    }
    std::string digits;
    bool prev_underscore = false;
    const std::size_t start = i;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '_') {
            if (prev_underscore || i == start) return ParseInt::invalid;
            prev_underscore = true;
            continue;
        }
        if (digit_value(c) >= base) break;
        digits.push_back(c);
        prev_underscore = false;
    }
    if (digits.empty() || prev_underscore) return ParseInt::invalid;
    while (i < s.size() && py_space(s[i])) ++i;
    if (i != s.size()) return ParseInt::invalid;
    if (zeros_only && digits.find_first_not_of('0') != std::string::npos) return ParseInt::invalid;
    if (base == 10 && digits.size() > kMaxStrDigits) return ParseInt::too_many_digits;
    std::string dec;
    if (!digits_to_decimal(digits, base, negative, dec)) return ParseInt::too_many_digits;
    out.big = !decimal_to_int64(dec, out.small);
    if (out.big) out.decimal = std::move(dec);
    return ParseInt::ok;
}

ParseInt parse_int_opcode(std::string_view line, IntText& out, bool& is_bool) {
    is_bool = false;
    // C strtol(s, &end, 0) as glibc reads it; the line is NUL-terminated in CPython,
    // so an embedded NUL ends the number as the newline does.
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || (line[i] >= '\t' && line[i] <= '\r'))) ++i;
    bool negative = false;
    if (i < line.size() && (line[i] == '+' || line[i] == '-')) negative = line[i++] == '-';
    int base = 10;
    if (i + 2 < line.size() && line[i] == '0' && (line[i + 1] | 0x20) == 'x' && digit_value(line[i + 2]) < 16) {
        base = 16;
        i += 2;
    } else if (i < line.size() && line[i] == '0') {
        base = 8;
    }
    std::size_t end = 0; // strtol's end pointer: the start when nothing converts
    std::uint64_t acc = 0;
    bool overflow = false, any = false;
    for (; i < line.size() && digit_value(line[i]) < base; ++i) {
        any = true;
        const auto d = static_cast<std::uint64_t>(digit_value(line[i]));
        if (acc > (std::numeric_limits<std::uint64_t>::max() - d) / static_cast<std::uint64_t>(base)) overflow = true;
        else acc = acc * static_cast<std::uint64_t>(base) + d;
    }
    if (any) end = i;
    const std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
    if (acc > limit) overflow = true;
    const bool at_end = end == line.size() || line[end] == '\0';
    if (!overflow && at_end) {
        const std::uint64_t mag = acc;
        out.big = false;
        out.small = negative ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
        is_bool = line.size() == 2 && (out.small == 0 || out.small == 1);
        return ParseInt::ok;
    }
    const std::size_t nul = line.find('\0');
    return parse_int(line.substr(0, nul), 0, out);
}

} // namespace mitokit::pickle::detail
