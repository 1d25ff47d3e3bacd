// Python's number text: repr(float), float(str) and int(str, 0) as CPython 3.11
// reads and writes them, for the text opcodes (INT, LONG, FLOAT, PUT, GET) and
// the canonical JSON's {"float":...} / {"int":...} forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mitokit::pickle::detail {

// repr(x): shortest round-trip digits; 'inf', '-inf', 'nan', '-0.0', '1e+100', '1e-05'.
void float_repr(double v, std::string& out);

enum class ParseFloat { ok, invalid, overflow };
// PyOS_string_to_double with no leading or trailing text: [+-] digits/point/exponent,
// or inf/infinity/nan in any case. Overflow is reported, underflow gives 0 or a denormal.
ParseFloat parse_float(std::string_view s, double& v);

// Python's float(x) of an ASCII str or bytes (pickletools' FLOAT reader, value_json's
// {"float": "..."}): ASCII whitespace around, single underscores between digits,
// and overflow to ±inf (the unpickler's PyOS_string_to_double refuses both).
bool parse_python_float(std::string_view s, double& v);

// The outcome of reading an integer literal: small (fits int64) or big (decimal text).
struct IntText {
    bool big = false;
    std::int64_t small = 0;
    std::string decimal; // when big
};

enum class ParseInt { ok, invalid, too_many_digits };
// PyLong_FromString(s, NULL, base) on a NUL-free string: surrounding whitespace,
// a sign, base prefixes (base 0), single underscores between digits.
ParseInt parse_int(std::string_view s, int base, IntText& out);

// The INT opcode's reading of its line (without the newline): C strtol(s, 0) first,
// then PyLong_FromString as the fallback. `is_bool` when CPython makes True/False
// ("01"/"00" and other 2-character lines of value 0 or 1).
ParseInt parse_int_opcode(std::string_view line, IntText& out, bool& is_bool);

} // namespace mitokit::pickle::detail
