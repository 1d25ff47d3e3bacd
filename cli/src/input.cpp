#include "input.hpp"

#include <cerrno>
#include <cstring>

namespace mitokit::cli {

Result<Input> Input::open(const std::string& path) {
    Input in;
    if (path == "-") {
        in.name_ = "<stdin>";
        in.f_ = std::unique_ptr<std::FILE, InputCloser>(stdin, InputCloser{false});
        return in;
    }
    in.name_ = path;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return make_error(Errc::io, path + ": cannot open: " + std::strerror(errno));
    in.f_ = std::unique_ptr<std::FILE, InputCloser>(f, InputCloser{true});
    return in;
}

Result<std::size_t> Input::read(std::span<std::uint8_t> buf) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f_.get());
    if (n == 0 && std::ferror(f_.get())) return make_error(Errc::io, name_ + ": read failed: " + std::strerror(errno));
    return n;
}

Result<std::vector<std::uint8_t>> Input::read_rest(std::size_t max_bytes) {
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    for (;;) {
        auto n = read(buf);
        if (!n) return std::move(n).error();
        if (*n == 0) return out;
        if (out.size() + *n > max_bytes)
            return make_error(Errc::limit, name_ + ": input is larger than " + std::to_string(max_bytes) + " bytes",
                              out.size());
        out.insert(out.end(), buf, buf + *n);
    }
}

Result<std::vector<std::uint8_t>> read_whole(const std::string& path, std::size_t max_bytes) {
    auto in = Input::open(path);
    if (!in) return std::move(in).error();
    return in->read_rest(max_bytes);
}

bool write_stdout(std::string_view s) {
    return std::fwrite(s.data(), 1, s.size(), stdout) == s.size();
}

} // namespace mitokit::cli
