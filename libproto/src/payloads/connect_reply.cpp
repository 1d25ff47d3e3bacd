// The reply of parent._proxy_connect, {'id': id, 'name': name, 'msg': None}, in
// the exact bytes pickle::encode (and the reference's pickler) writes for it when
// the ID is an int32 and the name ASCII: one per context a tree builds.
#include <algorithm>
#include <iterator>

#include "mitokit/payloads.hpp"
#include "mitokit/pickle/small.hpp"
#include "python_text.hpp"

namespace mitokit::payload {
namespace {

// EMPTY_DICT, BINPUT 0, MARK, 'id' (BINUNICODE, BINPUT 1); then the ID; 'name'
// (BINPUT 2) and BINUNICODE's opcode; then the name's length and text; BINPUT 3,
// 'msg' (BINPUT 4), None, SETITEMS, STOP.
constexpr std::uint8_t HEAD[] = {0x80, 2, '}', 'q', 0, '(', 'X', 2, 0, 0, 0, 'i', 'd', 'q', 1};
constexpr std::uint8_t NAME_KEY[] = {'X', 4, 0, 0, 0, 'n', 'a', 'm', 'e', 'q', 2, 'X'};
constexpr std::uint8_t TAIL[] = {'q', 3, 'X', 3, 0, 0, 0, 'm', 's', 'g', 'q', 4, 'N', 'u', '.'};

bool ascii(std::span<const std::uint8_t> s) { return text::is_ascii(s.data(), s.size()); }

bool take(Bytes& d, std::span<const std::uint8_t> bytes) {
    if (d.size() < bytes.size() || !std::equal(bytes.begin(), bytes.end(), d.begin())) return false;
    d = d.subspan(bytes.size());
    return true;
}

} // namespace

bool build_connect_reply(std::int64_t id, std::string_view name, std::vector<std::uint8_t>& out) {
    const auto text = std::span(reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
    // Other text goes through the encoder, which owns the rules for it.
    if (!pickle::small::fits_int32(id) || !ascii(text)) return false;
    const std::size_t int_len = pickle::small::int32_length(id);
    const std::size_t len = sizeof HEAD + int_len + sizeof NAME_KEY + 4 + text.size() + sizeof TAIL;
    // Written on the stack and appended in one copy, where out.resize() would
    // zero the bytes first (a long name is written in place).
    std::uint8_t stack[128];
    const bool on_stack = len <= sizeof stack;
    if (!on_stack) out.resize(out.size() + len);
    std::uint8_t* const start = on_stack ? stack : out.data() + out.size() - len;
    std::uint8_t* p = std::copy(std::begin(HEAD), std::end(HEAD), start);
    pickle::small::write_int32(p, id);
    p = std::copy(std::begin(NAME_KEY), std::end(NAME_KEY), p + int_len);
    const auto n = static_cast<std::uint32_t>(text.size());
    for (int k = 0; k < 4; ++k) *p++ = static_cast<std::uint8_t>(n >> (8 * k));
    p = std::copy(text.begin(), text.end(), p);
    std::copy(std::begin(TAIL), std::end(TAIL), p);
    if (on_stack) out.insert(out.end(), stack, stack + len);
    return true;
}

std::optional<std::int64_t> connect_reply_id(Bytes d) {
    std::int64_t id = 0;
    if (!take(d, HEAD)) return std::nullopt;
    const std::size_t used = pickle::small::read_int32(d, id);
    if (!used) return std::nullopt;
    d = d.subspan(used);
    if (!take(d, NAME_KEY) || d.size() < 4) return std::nullopt;
    const std::size_t n = static_cast<std::size_t>(d[0]) | static_cast<std::size_t>(d[1]) << 8 |
                          static_cast<std::size_t>(d[2]) << 16 | static_cast<std::size_t>(d[3]) << 24;
    d = d.subspan(4);
    // ASCII only: whether other text is valid is the decoder's UTF-8 rules to say.
    if (d.size() < n || !ascii(d.first(n))) return std::nullopt;
    d = d.subspan(n);
    if (!take(d, TAIL) || !d.empty()) return std::nullopt;
    return id;
}

} // namespace mitokit::payload
