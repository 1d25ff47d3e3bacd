#include "mitokit/transport/boot.hpp"

#include <fstream>
#include <sstream>

#include "mitokit/stream_decoder.hpp"

namespace mitokit::transport {
namespace {

// Collects the bootstrap events of the child -> parent direction.
struct BootWatcher final : StreamHandler {
    bool saw_mito000 = false;
    bool saw_mito002 = false;
    std::uint64_t frames_start = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> noise; // offset, length
    void on_message(const MessageView&) override {}
    void on_bootstrap(const BootstrapEvent& e) override {
        switch (e.kind) {
        case BootstrapKind::mito000: saw_mito000 = true; break;
        case BootstrapKind::mito002:
            saw_mito002 = true;
            frames_start = e.offset + e.length;
            break;
        case BootstrapKind::noise: noise.emplace_back(e.offset, e.length); break;
        default: break;
        }
    }
};

std::string describe_exit(ChildProcess& p) {
    auto st = p.wait(Clock::now() + std::chrono::milliseconds(200));
    if (st && *st) return "child exited (status " + std::to_string(**st) + ")";
    return "child closed its link";
}

} // namespace

Result<std::string> read_installed_core_source(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, "cannot read mitogen core source " + path + " (is python3-mitogen installed?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Result<BootedChild> boot_python_child(const BootOptions& opt) {
    const auto deadline = Clock::now() + opt.timeout;
    const auto preamble = bootstrap::build_preamble(opt.core_source, opt.config);
    auto argv = bootstrap::boot_argv(opt.python, opt.context_name, preamble.size());
    if (!argv) return std::move(argv).error();
    auto proc = ChildProcess::spawn(*argv, SpawnOptions{opt.link, false});
    if (!proc) return std::move(proc).error();

    BootWatcher watch;
    StreamOptions so;
    so.start = StreamStart::detect;
    StreamDecoder dec(watch, so);
    std::vector<std::uint8_t> seen;
    bool sent_preamble = false;
    while (!watch.saw_mito002) {
        auto chunk = read_some(proc->read_fd(), 65536, deadline);
        if (!chunk) {
            const char* stage = sent_preamble ? "MITO002" : "MITO000";
            return make_error(Errc::io, "no " + std::string(stage) + " from " + opt.python + " within " +
                                            std::to_string(opt.timeout.count()) + " ms: " + chunk.error().message);
        }
        if (chunk->empty())
            return make_error(Errc::io, describe_exit(*proc) + " before " + (sent_preamble ? "MITO002" : "MITO000"));
        seen.insert(seen.end(), chunk->begin(), chunk->end());
        if (auto st = dec.feed(*chunk); !st)
            return make_error(Errc::io, "child sent bytes that are not a bootstrap: " + st.error().message,
                              st.error().offset);
        if (watch.saw_mito000 && !sent_preamble) {
            // Nothing else may follow the preamble before MITO002: the first stage's
            // buffered reader could swallow it.
            if (auto st = write_all(proc->write_fd(), preamble, deadline); !st) return std::move(st).error();
            sent_preamble = true;
        }
    }
    BootedChild out{std::move(*proc), {}, {}};
    out.leftover.assign(seen.begin() + static_cast<std::ptrdiff_t>(watch.frames_start), seen.end());
    for (auto [off, len] : watch.noise)
        out.noise.emplace_back(reinterpret_cast<const char*>(seen.data() + off), len);
    return out;
}

} // namespace mitokit::transport
