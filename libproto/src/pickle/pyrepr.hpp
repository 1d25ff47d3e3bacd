// Python's repr() of str, bytes and bytearray, for listings and messages.
// Printability of non-ASCII characters follows CPython's table for the ranges
// pickles use in practice (Latin-1, general punctuation, private use, specials);
// characters unassigned in Unicode are shown literally.
#pragma once

#include <string>
#include <string_view>

namespace mitokit::pickle::detail {

void repr_str(std::string_view utf8, std::string& out);
void repr_bytes(std::string_view data, std::string& out);

} // namespace mitokit::pickle::detail
