// The minifier (the reference's tokenize/untokenize rewrite of minify_safe modules)
// on arbitrary text: an error or UTF-8 output, never a crash, and no blow-up: the
// output only loses comments, docstrings and indentation, and untokenize adds
// backslash-newlines and spaces for positions the input already had.
#include <string_view>

#include "harness.hpp"
#include "modules/minify.hpp"
#include "modules/python_tokens.hpp"

namespace mitokit::fuzz {

int fuzz_minify(const std::uint8_t* data, std::size_t size) {
    const std::string_view src(reinterpret_cast<const char*>(data), size);
    (void)modules::has_minify_marker(src);
    auto out = modules::minimize_source(src);
    if (!out) {
        fuzz_check(!out.error().message.empty(), "minify error without a message");
        return 0;
    }
    fuzz_check(modules::utf8_to_u32(*out).has_value(), "minified text is not UTF-8");
    fuzz_check(out->size() <= 2 * size + 2, "minified text is more than twice its input");
    return 0;
}

} // namespace mitokit::fuzz
