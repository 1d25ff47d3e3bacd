// str.encode / bytes.decode for the codecs a pickle can name in a bytes() or
// str() call (utf-8, latin-1, ascii and their aliases) with CPython's error
// handlers (strict, ignore, replace, backslashreplace, xmlcharrefreplace,
// surrogateescape, surrogatepass) and CPython's error messages.
#pragma once

#include <string>
#include <string_view>

#include "mitokit/result.hpp"

namespace mitokit::pickle::detail {

Result<std::string> encode_text(std::string_view text, std::string_view encoding, std::string_view errors);
Result<std::string> decode_bytes(std::string_view data, std::string_view encoding, std::string_view errors);

} // namespace mitokit::pickle::detail
