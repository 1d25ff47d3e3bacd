// LOAD_MODULE sources: zlib level 9 as zlib.compress(source, 9), and a capped inflate.
#include <array>

#include <zlib.h>

#include "mitokit/payloads.hpp"

namespace mitokit::payload {

Result<std::string> inflate_source(std::string_view compressed, std::size_t max_size) {
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return make_error(Errc::decompress, "LOAD_MODULE: zlib could not be initialised");
    struct End {
        z_stream* z;
        ~End() { inflateEnd(z); }
    } end{&zs};
    std::string out;
    std::array<unsigned char, 16384> buf;
    std::size_t used = 0;
    for (;;) {
        const std::size_t give = std::min<std::size_t>(compressed.size() - used, 1u << 30);
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + used));
        zs.avail_in = static_cast<uInt>(give);
        zs.next_out = buf.data();
        zs.avail_out = static_cast<uInt>(buf.size());
        const int rc = inflate(&zs, Z_NO_FLUSH);
        used += give - zs.avail_in;
        const std::size_t produced = buf.size() - zs.avail_out;
        if (out.size() + produced > max_size)
            return make_error(Errc::decompress,
                              "LOAD_MODULE: source inflates past " + std::to_string(max_size) + " bytes", used);
        out.append(reinterpret_cast<const char*>(buf.data()), produced);
        if (rc == Z_STREAM_END) return out; // like zlib.decompress, ignore what follows
        if (rc == Z_BUF_ERROR || (rc == Z_OK && used == compressed.size() && zs.avail_out != 0))
            return make_error(Errc::decompress, "LOAD_MODULE: compressed source is truncated (incomplete zlib stream)",
                              compressed.size());
        if (rc != Z_OK)
            return make_error(Errc::decompress,
                              std::string("LOAD_MODULE: compressed source is not valid zlib data (") +
                                  (zs.msg ? zs.msg : "error") + ")",
                              used);
    }
}

std::string deflate_source(std::string_view source) {
    uLongf n = compressBound(static_cast<uLong>(source.size()));
    std::string out(n, '\0');
    const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(source.data()),
                             static_cast<uLong>(source.size()), 9);
    if (rc != Z_OK) return {}; // only on memory exhaustion; compressBound always suffices
    out.resize(n);
    return out;
}

} // namespace mitokit::payload
