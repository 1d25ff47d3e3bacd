// Python's repr() of str, bytes and bytearray, for listings, messages and str()
// of a Context. Which characters print as themselves and which as \x/\u/\U
// escapes is CPython 3.11's str.isprintable() for every code point (Unicode
// 14.0.0; printable_table.inc, made by make_printable_table.py).
#pragma once

#include <string>
#include <string_view>

namespace mitokit::pickle::detail {

void repr_str(std::string_view utf8, std::string& out);
void repr_bytes(std::string_view data, std::string& out);

} // namespace mitokit::pickle::detail
