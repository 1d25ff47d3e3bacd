// mitokit decode: one direction of a link as messages, or every TCP conversation
// of a pcap/pcapng capture (recognised by its magic bytes), each direction decoded
// as its own stream.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "command.hpp"
#include "input.hpp"
#include "message_format.hpp"
#include "mitokit/capture/frame_sync.hpp"
#include "mitokit/capture/pcap_reader.hpp"
#include "mitokit/handles.hpp"
#include "options.hpp"

namespace mitokit::cli {
namespace {

constexpr std::size_t FLUSH_AT = 1u << 16;

struct Tally {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    std::map<std::string, std::uint64_t> by_handle;
};

// Prints one stream's events as they come.
class Printer : public StreamHandler {
public:
    Printer(MessageFormatter& f, std::string& out, const StreamLabel* label, Tally& tally)
        : f_(f), out_(out), label_(label), tally_(tally) {}

    void on_message(const MessageView& m) override {
        f_.message(out_, label_, m);
        ++tally_.messages;
        const auto name = handle_name(m.header.handle);
        ++tally_.by_handle[name.empty() ? (m.header.handle >= handle::FIRST_DYNAMIC ? "reply" : std::to_string(m.header.handle))
                                        : std::string(name)];
        flush_if_full();
    }
    void on_bootstrap(const BootstrapEvent& e) override {
        f_.bootstrap(out_, label_, e);
        flush_if_full();
    }
    void on_error(const Error& e) override {
        saw_error_ = true;
        f_.error(out_, label_, e);
    }
    // finish() may fail without calling on_error; print it once either way.
    void finished(const Status& st) {
        if (!st && !saw_error_) on_error(st.error());
    }

private:
    void flush_if_full() {
        if (out_.size() >= FLUSH_AT) {
            write_stdout(out_);
            out_.clear();
        }
    }
    MessageFormatter& f_;
    std::string& out_;
    const StreamLabel* label_;
    Tally& tally_;
    bool saw_error_ = false;
};

std::string tally_text(const Tally& t) {
    std::string s = std::to_string(t.messages) + " messages in " + std::to_string(t.bytes) + " bytes";
    if (!t.by_handle.empty()) {
        s += " (";
        bool first = true;
        for (const auto& [name, n] : t.by_handle) {
            if (!first) s += ", ";
            first = false;
            s += name + " " + std::to_string(n);
        }
        s += ")";
    }
    return s;
}

int finish_command(const std::string& cmd, const std::string& input, const MessageFormatter& f, std::string& out) {
    write_stdout(out);
    std::fflush(stdout);
    if (f.errors() == 0) return EXIT_OK;
    std::string msg = input + ": " + f.first_error();
    if (f.errors() > 1) msg += " (and " + std::to_string(f.errors() - 1) + " more errors)";
    return input_error(cmd, msg);
}

int decode_stream(const std::string& cmd, Input& in, std::span<const std::uint8_t> head, const StreamOptions& sopt,
                  const FormatOptions& fopt) {
    MessageFormatter f(fopt);
    std::string out;
    Tally tally;
    Printer printer(f, out, nullptr, tally);
    StreamDecoder dec(printer, sopt);
    tally.bytes += head.size();
    (void)dec.feed(head);
    std::vector<std::uint8_t> buf(1u << 17);
    for (;;) {
        auto n = in.read(buf);
        if (!n) return input_error(cmd, n.error().message);
        if (*n == 0) break;
        tally.bytes += *n;
        if (!dec.failed()) (void)dec.feed({buf.data(), *n});
    }
    if (!dec.failed()) printer.finished(dec.finish());
    if (!fopt.json) out += "-- " + tally_text(tally) + "\n";
    return finish_command(cmd, in.name(), f, out);
}

// Runs one StreamDecoder per direction of every conversation.
class CaptureDecoder : public capture::CaptureHandler {
public:
    CaptureDecoder(const StreamOptions& sopt, const FormatOptions& fopt) : sopt_(sopt), fopt_(fopt), f_(fopt) {}

    void on_open(const capture::Conversation& c) override {
        if (!fopt_.json)
            out_ += "== conversation " + std::to_string(c.id) + ": " + capture::conversation_name(c) +
                    (c.saw_syn ? "" : " (joined mid-connection)") + "\n";
    }
    void on_data(const capture::Conversation& c, capture::Direction d, std::uint64_t offset,
                 std::span<const std::uint8_t> bytes) override {
        Dir& dir = get(c, d);
        dir.tally.bytes += bytes.size();
        if (dir.closed) return;
        if (dir.resync && !dir.sync) {
            // A link joined at its very start (the SYN was missed) still shows its bootstrap.
            static constexpr std::string_view marker = "MITO00";
            const bool at_start = offset == 0 && bytes.size() >= marker.size() &&
                                  std::equal(marker.begin(), marker.end(), bytes.begin());
            if (at_start) {
                dir.resync = false;
            } else {
                capture::SyncOptions so;
                so.max_message_size = sopt_.max_message_size;
                dir.sync = std::make_unique<capture::FrameSync>(so, offset);
            }
        }
        if (dir.sync) {
            auto rest = dir.sync->feed(bytes);
            if (!dir.sync->found()) return;
            if (dir.sync->skipped() > 0)
                f_.skipped(out_, &dir.label, dir.sync->offset() - dir.sync->skipped(), dir.sync->skipped(), dir.why);
            StreamOptions frames = sopt_;
            frames.start = StreamStart::frames;
            dir.decoder = std::make_unique<StreamDecoder>(*dir.printer, frames, dir.sync->offset());
            (void)dir.decoder->feed(rest);
            dir.sync.reset();
            dir.resync = false;
            return;
        }
        if (!dir.decoder->failed()) (void)dir.decoder->feed(bytes);
    }
    void on_gap(const capture::Conversation& c, capture::Direction d, const Error& e) override {
        Dir& dir = get(c, d);
        f_.gap(out_, &dir.label, e);
        // A frame cut by the hole is lost; the frames after it are found again by their headers.
        if (dir.closed || dir.decoder->failed()) return;
        if (dir.sync) {
            const std::uint64_t skipped = dir.sync->skipped() + dir.sync->held();
            if (skipped > 0) f_.skipped(out_, &dir.label, dir.sync->offset() - dir.sync->skipped(), skipped, dir.why);
            dir.sync.reset();
        }
        dir.resync = true;
        dir.why = "bytes lost before them";
    }
    void on_close(const capture::Conversation& c, capture::Direction d) override {
        Dir& dir = get(c, d);
        if (dir.closed) return;
        dir.closed = true;
        if (dir.sync) {
            const std::uint64_t skipped = dir.sync->skipped() + dir.sync->held();
            if (skipped > 0)
                f_.skipped(out_, &dir.label, dir.sync->offset() - dir.sync->skipped(), skipped,
                           dir.why + ", and no frame header after them");
            return;
        }
        if (!dir.resync && !dir.decoder->failed()) dir.printer->finished(dir.decoder->finish());
    }
    void on_error(const Error& e) override { f_.error(out_, nullptr, e, 0); }
    void on_packet_error(std::uint64_t packet, const Error& e) override { f_.error(out_, nullptr, e, packet); }

    int finish(const std::string& cmd, const std::string& input, const capture::CaptureStats& st) {
        if (!fopt_.json) {
            out_ += "-- " + std::to_string(st.packets) + " packets, " + std::to_string(st.tcp_segments) +
                    " TCP segments\n";
            for (const auto& [key, dir] : dirs_)
                out_ += "-- " + dir->label.from + "->" + dir->label.to + ": " + tally_text(dir->tally) + "\n";
        }
        return finish_command(cmd, input, f_, out_);
    }
    std::string& out() { return out_; }
    MessageFormatter& formatter() { return f_; }

private:
    struct Dir {
        StreamLabel label;
        Tally tally;
        std::unique_ptr<Printer> printer;
        std::unique_ptr<StreamDecoder> decoder;
        // Looking for the next frame header: the link was joined mid-connection, or bytes were lost.
        bool resync = false;
        std::unique_ptr<capture::FrameSync> sync;
        std::string why;
        bool closed = false;
    };

    Dir& get(const capture::Conversation& c, capture::Direction d) {
        auto& slot = dirs_[{c.id, static_cast<int>(d)}];
        if (!slot) {
            slot = std::make_unique<Dir>();
            const bool c2s = d == capture::Direction::client_to_server;
            slot->label = {capture::conversation_name(c), capture::direction_short_name(d),
                           capture::to_string(c2s ? c.client : c.server), capture::to_string(c2s ? c.server : c.client)};
            slot->printer = std::make_unique<Printer>(f_, out_, &slot->label, slot->tally);
            slot->decoder = std::make_unique<StreamDecoder>(*slot->printer, sopt_);
            if (!c.saw_syn) {
                slot->resync = true;
                slot->why = "capture joined mid-connection";
            }
        }
        return *slot;
    }

    StreamOptions sopt_;
    FormatOptions fopt_;
    MessageFormatter f_;
    std::string out_;
    std::map<std::pair<std::uint32_t, int>, std::unique_ptr<Dir>> dirs_;
};

int decode_capture(const std::string& cmd, Input& in, const std::string& path, std::span<const std::uint8_t> head,
                   const capture::CaptureOptions& copt, const StreamOptions& sopt, const FormatOptions& fopt) {
    CaptureDecoder dec(sopt, fopt);
    Result<capture::CaptureStats> st = capture::CaptureStats{};
    if (path == "-") {
        auto rest = in.read_rest(MAX_INPUT_BYTES - head.size());
        if (!rest) return input_error(cmd, rest.error().message);
        std::vector<std::uint8_t> all(head.begin(), head.end());
        all.insert(all.end(), rest->begin(), rest->end());
        st = capture::read_capture_memory(all, dec, copt, in.name());
    } else {
        st = capture::read_capture_file(path, dec, copt);
    }
    if (!st) {
        // Print what was decoded before the capture broke, then fail on the capture error.
        write_stdout(dec.out());
        std::fflush(stdout);
        return input_error(cmd, st.error().message);
    }
    return dec.finish(cmd, in.name(), *st);
}

} // namespace

int cmd_decode(const CommandArgs& a) {
    CommandSpec spec;
    spec.usage = "mitokit decode [options] FILE|-";
    spec.description =
        "Decodes mitogen frames. FILE is either the raw bytes of one direction of a link\n"
        "(\"-\" reads standard input), or a pcap/pcapng capture (recognised by its magic\n"
        "bytes), in which case every TCP conversation is reassembled and each direction is\n"
        "decoded as its own stream. Prints a line per message, or with --json one JSON\n"
        "object per line (see docs/cli.md). Exits 1 if any error was found.";
    std::string input, start = "detect";
    std::uint32_t max_size = DEFAULT_MAX_MESSAGE_SIZE;
    std::uint32_t port = 0;
    std::size_t max_buffered = capture::ReassemblyLimits{}.max_buffered_bytes;
    spec.options.add_options()
        ("json", "one JSON object per line")
        ("max-message-size", po::value(&max_size)->default_value(max_size), "largest frame payload accepted (bytes)")
        ("start", po::value(&start)->default_value(start),
         "frames: frames from the first byte; detect: bootstrap lines or a preamble may come first; "
         "lines: child->parent bootstrap lines up to MITO002; preamble: parent->child zlib preamble first")
        ("port", po::value(&port), "captures only: keep conversations with this TCP port at either end")
        ("max-buffered-bytes", po::value(&max_buffered)->default_value(max_buffered),
         "captures only: out-of-order bytes held per direction before a hole is given up")
        ("input", po::value(&input)->required(), "FILE or - (positional)");
    spec.positional.add("input", 1);
    auto p = parse_command_line(a, spec);
    if (p.exit_now) return *p.exit_now;

    StreamOptions sopt;
    sopt.max_message_size = max_size;
    if (start == "frames") sopt.start = StreamStart::frames;
    else if (start == "detect") sopt.start = StreamStart::detect;
    else if (start == "lines") sopt.start = StreamStart::lines;
    else if (start == "preamble") sopt.start = StreamStart::preamble;
    else return usage_error(a.name, "--start must be frames, detect, lines or preamble, not '" + start + "'");
    if (p.vm.count("port") && (port == 0 || port > 65535))
        return usage_error(a.name, "--port must be between 1 and 65535, not " + std::to_string(port));
    FormatOptions fopt;
    fopt.json = p.vm.count("json") != 0;

    auto in = Input::open(input);
    if (!in) return input_error(a.name, in.error().message);
    std::uint8_t head[4];
    std::size_t got = 0;
    while (got < sizeof head) {
        auto n = in->read({head + got, sizeof head - got});
        if (!n) return input_error(a.name, n.error().message);
        if (*n == 0) break;
        got += *n;
    }
    const std::span<const std::uint8_t> head_span(head, got);
    if (capture::is_capture(head_span)) {
        capture::CaptureOptions copt;
        if (p.vm.count("port")) copt.port = static_cast<std::uint16_t>(port);
        copt.reassembly.max_buffered_bytes = max_buffered;
        return decode_capture(a.name, *in, input, head_span, copt, sopt, fopt);
    }
    if (p.vm.count("port")) return usage_error(a.name, "--port applies only to captures, and " + in->name() + " is not one");
    return decode_stream(a.name, *in, head_span, sopt, fopt);
}

} // namespace mitokit::cli
