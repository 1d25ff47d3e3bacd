#include "mitokit/runtime/live_env.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mitokit/frame.hpp"
#include "mitokit/stream_decoder.hpp"

namespace mitokit::runtime {

// One Node stream carried over real fds (today: a booted Python child's link).
struct LiveEnv::Link final : StreamHandler {
    LiveEnv* env = nullptr;
    sim::Node* node = nullptr;
    sim::StreamId stream = sim::NO_STREAM;
    sim::ContextId remote = 0;
    std::optional<transport::ChildProcess> proc;
    transport::Fd own; // the socket end of an in-process link
    int rfd = -1, wfd = -1;
    bool reading = true;
    bool closing = false; // the node hung up: close once the output is flushed
    std::vector<std::uint8_t> out;
    std::size_t out_off = 0;
    LinkCounts counts;
    std::unique_ptr<StreamDecoder> tap; // counts the frames the peer sends

    void on_message(const MessageView& m) override {
        ++counts.in[m.header.handle];
        if (env && env->on_frame_in) env->on_frame_in(*node, stream, m);
    }
    bool has_fds() const noexcept { return rfd >= 0 || wfd >= 0; }
};

LiveEnv::LiveEnv(LiveOptions opt) : opt_(std::move(opt)), start_(Clock::now()) {
    // A child that dies leaves us writing into a closed pipe: that must be an
    // EPIPE error for the link, not the end of this process.
    ::signal(SIGPIPE, SIG_IGN);
}

LiveEnv::~LiveEnv() {
    // ChildProcess kills and reaps; say nothing more to the nodes.
    links_.clear();
    local_nodes_.clear();
}

Result<LiveEnv::LocalChild> LiveEnv::add_local_child(sim::Node& parent, sim::ContextId id, const std::string& name,
                                                     const sim::NodeShared& shared) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
        return Error{Errc::io, "context " + std::to_string(id) + ": socketpair: " + std::strerror(errno), 0};
    sim::NodeConfig cfg;
    cfg.id = id;
    cfg.parent_ids = sim::ParentIds::below(parent.id(), parent.parent_ids());
    local_nodes_.push_back(std::make_unique<sim::Node>(*this, shared, std::move(cfg)));
    sim::Node& child = *local_nodes_.back();
    StreamOptions so;
    so.start = StreamStart::frames;
    LocalChild out{&child, sim::NO_STREAM};
    for (int side = 0; side < 2; ++side) {
        auto link = std::make_unique<Link>();
        link->env = this;
        link->own = transport::Fd(sv[side]);
        link->rfd = link->wfd = sv[side];
        link->tap = std::make_unique<StreamDecoder>(*link, so);
        if (side == 0) {
            link->node = &parent;
            link->remote = id;
            link->stream = out.parent_stream = parent.add_stream(id, name, StreamStart::frames);
        } else {
            link->node = &child;
            link->remote = parent.id();
            link->stream = child.add_stream(parent.id(), "parent", StreamStart::frames);
            child.attach_parent(link->stream);
        }
        links_.push_back(std::move(link));
    }
    return out;
}

Result<sim::StreamId> LiveEnv::adopt(sim::Node& n, transport::Fd fd, sim::ContextId remote, const std::string& name,
                                     std::optional<sim::ContextId> stamp_auth) {
    if (!fd) return Error{Errc::usage, "context " + std::to_string(remote) + ": no connection to adopt", 0};
    if (auto st = transport::set_nonblocking(fd.get(), true); !st)
        return Error{st.error().code, "context " + std::to_string(remote) + ": " + st.error().message, 0};
    auto link = std::make_unique<Link>();
    link->env = this;
    link->node = &n;
    link->remote = remote;
    link->own = std::move(fd);
    link->rfd = link->wfd = link->own.get();
    StreamOptions so;
    so.start = StreamStart::frames;
    link->tap = std::make_unique<StreamDecoder>(*link, so);
    link->stream = n.add_stream(remote, name, StreamStart::frames, stamp_auth);
    links_.push_back(std::move(link));
    return links_.back()->stream;
}

void LiveEnv::watch(int fd, std::function<void()> on_readable) { watched_[fd] = std::move(on_readable); }
void LiveEnv::unwatch(int fd) { watched_.erase(fd); }

sim::Time LiveEnv::now() const {
    return static_cast<sim::Time>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count());
}

LiveEnv::Link* LiveEnv::find(const sim::Node& n, sim::StreamId s) const {
    for (const auto& l : links_)
        if (l->node == &n && l->stream == s) return l.get();
    return nullptr;
}

Result<sim::StreamId> LiveEnv::boot_child(sim::Node& parent, sim::ContextId id, const std::string& name) {
    transport::BootOptions bo;
    bo.python = opt_.python;
    bo.context_name = name;
    bo.core_source = opt_.core_source;
    bo.link = opt_.link;
    bo.timeout = opt_.connect_timeout;
    bo.config.context_id = id;
    bo.config.parent_ids.assign(parent.parent_ids().begin(), parent.parent_ids().end());
    bo.config.parent_ids.insert(bo.config.parent_ids.begin(), parent.id());
    bo.config.log_level = opt_.child_log_level;
    auto booted = transport::boot_python_child(bo);
    if (!booted)
        return Error{booted.error().code,
                     "cannot start context " + std::to_string(id) + " (" + name + "): " + booted.error().message, 0};

    auto link = std::make_unique<Link>();
    link->env = this;
    link->node = &parent;
    link->remote = id;
    link->proc.emplace(std::move(booted->process));
    link->rfd = link->proc->read_fd();
    link->wfd = link->proc->write_fd();
    for (int fd : {link->rfd, link->wfd})
        if (auto st = transport::set_nonblocking(fd, true); !st)
            return Error{st.error().code, "context " + std::to_string(id) + ": " + st.error().message, 0};
    StreamOptions so;
    so.start = StreamStart::frames;
    link->tap = std::make_unique<StreamDecoder>(*link, so);
    link->stream = parent.add_stream(id, name, StreamStart::frames);
    Link* l = link.get();
    links_.push_back(std::move(link));
    // Frames the child sent right behind MITO002 reach the node only once the
    // caller has registered the stream (child_connected), as the reference does.
    if (!booted->leftover.empty()) {
        timers_.emplace(Clock::now(), [l, bytes = std::move(booted->leftover)] {
            l->counts.bytes_in += bytes.size();
            (void)l->tap->feed(bytes);
            if (l->node->alive() && l->node->stream_open(l->stream)) l->node->receive(l->stream, bytes);
        });
    }
    return l->stream;
}

void LiveEnv::write(sim::Node& n, sim::StreamId s, std::vector<std::uint8_t> bytes) {
    Link* l = find(n, s);
    if (!l || l->wfd < 0 || l->closing) {
        ++notes_[static_cast<std::size_t>(sim::Note::send_on_closed)];
        return;
    }
    // Node writes one whole frame per call.
    if (bytes.size() >= HEADER_SIZE)
        if (auto h = decode_header(std::span<const std::uint8_t>(bytes).first(HEADER_SIZE), UINT32_MAX)) {
            ++l->counts.out[h->handle];
            if (on_frame_out) on_frame_out(n, s, *h, std::span<const std::uint8_t>(bytes).subspan(HEADER_SIZE));
        }
    l->counts.bytes_out += bytes.size();
    if (l->out.size() - l->out_off + bytes.size() > opt_.max_pending_write) {
        errors_.push_back("context " + std::to_string(l->remote) + ": more than " +
                          std::to_string(opt_.max_pending_write) + " bytes unsent (peer not reading): link cut");
        link_failed(*l);
        return;
    }
    l->out.insert(l->out.end(), bytes.begin(), bytes.end());
    flush(*l);
}

void LiveEnv::flush(Link& l) {
    while (l.wfd >= 0 && l.out_off < l.out.size()) {
        const ssize_t n = ::write(l.wfd, l.out.data() + l.out_off, l.out.size() - l.out_off);
        if (n > 0) {
            l.out_off += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        errors_.push_back("context " + std::to_string(l.remote) + ": write failed: " + std::strerror(errno));
        l.out.clear();
        l.out_off = 0;
        link_failed(l);
        return;
    }
    l.out.clear();
    l.out_off = 0;
    if (l.closing) drop_fds(l);
}

void LiveEnv::close_stream(sim::Node& n, sim::StreamId s) {
    Link* l = find(n, s);
    if (!l || l->closing) return;
    l->closing = true;
    l->reading = false;
    if (l->out_off >= l->out.size()) drop_fds(*l);
}

void LiveEnv::drop_fds(Link& l) {
    l.reading = false;
    if (l.proc) l.proc->close_link();
    l.own.reset();
    l.rfd = l.wfd = -1;
}

void LiveEnv::on_readable(Link& l) {
    rbuf_.resize(std::max<std::size_t>(opt_.read_chunk, 1));
    const ssize_t n = ::read(l.rfd, rbuf_.data(), rbuf_.size());
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
        errors_.push_back("context " + std::to_string(l.remote) + ": read failed: " + std::strerror(errno));
        link_eof(l);
        return;
    }
    if (n == 0) {
        link_eof(l);
        return;
    }
    const std::span<const std::uint8_t> got(rbuf_.data(), static_cast<std::size_t>(n));
    l.counts.bytes_in += got.size();
    (void)l.tap->feed(got);
    if (l.node->alive() && l.node->stream_open(l.stream)) l.node->receive(l.stream, got);
}

void LiveEnv::link_eof(Link& l) {
    if (!l.has_fds() && !l.reading) return;
    drop_fds(l);
    finish_eof(l);
}

void LiveEnv::link_failed(Link& l) {
    // Found while the node is writing (inside its own handler): it hears of the
    // lost link from the loop, not re-entrantly.
    if (!l.has_fds() && !l.reading) return;
    drop_fds(l);
    timers_.emplace(Clock::now(), [this, lp = &l] { finish_eof(*lp); });
}

void LiveEnv::finish_eof(Link& l) {
    // A child that closed its link is normally exiting: give it a moment so the
    // report can name its status.
    note_exit(l, Clock::now() + milliseconds(1000));
    if (l.node->alive() && l.node->stream_open(l.stream)) l.node->eof(l.stream);
}

void LiveEnv::note_exit(Link& l, Clock::time_point deadline) {
    if (!l.proc || l.proc->pid() <= 0 || !l.proc->running()) return;
    const int pid = l.proc->pid();
    auto st = l.proc->wait(deadline);
    if (st && st->has_value()) exits_.push_back(ChildExit{l.remote, pid, **st});
}

std::size_t LiveEnv::reap_children(Clock::time_point deadline) {
    std::size_t killed = 0;
    for (auto& l : links_) {
        if (!l->proc || !l->proc->running()) continue;
        drop_fds(*l);
        note_exit(*l, deadline);
        if (l->proc->running()) {
            const int pid = l->proc->pid();
            l->proc->kill(SIGKILL);
            auto st = l->proc->wait(Clock::now() + milliseconds(5000));
            exits_.push_back(ChildExit{l->remote, pid, st && st->has_value() ? std::optional<int>(**st) : std::nullopt});
            errors_.push_back("context " + std::to_string(l->remote) + " (pid " + std::to_string(pid) +
                              ") did not exit in time: killed");
            ++killed;
        }
    }
    return killed;
}

std::vector<int> LiveEnv::child_pids() const {
    std::vector<int> out;
    for (const auto& l : links_)
        if (l->proc && l->proc->running()) out.push_back(l->proc->pid());
    return out;
}

bool LiveEnv::flushed() const {
    for (const auto& l : links_)
        if (l->wfd >= 0 && l->out_off < l->out.size()) return false;
    return true;
}

LinkCounts LiveEnv::counts(const sim::Node& n) const {
    LinkCounts t;
    for (const auto& l : links_) {
        if (l->node != &n) continue;
        for (const auto& [h, c] : l->counts.in) t.in[h] += c;
        for (const auto& [h, c] : l->counts.out) t.out[h] += c;
        t.bytes_in += l->counts.bytes_in;
        t.bytes_out += l->counts.bytes_out;
    }
    return t;
}

void LiveEnv::defer(sim::Node&, sim::Time delay, std::function<void()> fn) {
    timers_.emplace(Clock::now() + std::chrono::nanoseconds(delay), std::move(fn));
}

void LiveEnv::note(sim::Node& n, sim::Note what, const Header* h, std::string_view detail) {
    ++notes_[static_cast<std::size_t>(what)];
    if (what == sim::Note::stream_error || what == sim::Note::handler_error) {
        std::string s = "context " + std::to_string(n.id()) + ": " + sim::note_name(what);
        if (h) s += " (handle " + std::to_string(h->handle) + " from " + std::to_string(h->src_id) + ")";
        if (!detail.empty()) s.append(": ").append(detail);
        errors_.push_back(std::move(s));
    }
}

void LiveEnv::spawn_child(sim::Node& parent, sim::ContextId id, std::string name, std::uint32_t spawn) {
    char buf[sim::DEFAULT_NAME_BUF];
    if (name.empty()) name = sim::default_name(id, buf); // the Python child's context name too
    auto s = boot_child(parent, id, name);
    if (!s) {
        // NodeEnv has no failure callback: the reason is kept for the caller.
        errors_.push_back(s.error().message);
        return;
    }
    parent.spawn_connected(spawn, *s);
}

void LiveEnv::log_record(sim::Node&, sim::ContextId src, std::string_view logger, int level, std::string_view text) {
    logs_.push_back(LogRecord{src, std::string(logger), level, std::string(text)});
    if (on_log) on_log(logs_.back());
}

void LiveEnv::exited(sim::Node&) {}

bool LiveEnv::run_timers() {
    bool ran = false;
    const auto t = Clock::now();
    // Tasks added while running with no delay run in this pass too, in order.
    while (!timers_.empty() && timers_.begin()->first <= t) {
        auto fn = std::move(timers_.begin()->second);
        timers_.erase(timers_.begin());
        fn();
        ran = true;
    }
    return ran;
}

bool LiveEnv::run_once(Clock::time_point deadline) {
    if (run_timers()) return true;
    Clock::time_point wake = deadline;
    if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
    std::vector<pollfd> fds;
    std::vector<Link*> who;
    for (const auto& l : links_) {
        short ev = 0;
        if (l->reading && l->rfd >= 0) ev |= POLLIN;
        const bool pending = l->out_off < l->out.size() && l->wfd >= 0;
        if (pending && l->wfd == l->rfd) ev |= POLLOUT;
        if (ev) {
            fds.push_back(pollfd{l->rfd, ev, 0});
            who.push_back(l.get());
        }
        if (pending && l->wfd != l->rfd) {
            fds.push_back(pollfd{l->wfd, POLLOUT, 0});
            who.push_back(l.get());
        }
    }
    const std::size_t nlinks = fds.size();
    for (const auto& [fd, fn] : watched_) fds.push_back(pollfd{fd, POLLIN, 0});
    const auto left = std::chrono::ceil<milliseconds>(wake - Clock::now()).count();
    const int timeout = static_cast<int>(std::clamp<long long>(left, 0, 60000));
    const int n = ::poll(fds.data(), fds.size(), timeout);
    if (n <= 0) return false;
    for (std::size_t i = nlinks; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        // The callback may watch or unwatch: look the fd up again.
        if (auto it = watched_.find(fds[i].fd); it != watched_.end()) {
            auto fn = it->second;
            fn();
        }
    }
    for (std::size_t i = 0; i < nlinks; ++i) {
        Link& l = *who[i];
        const short re = fds[i].revents;
        if (!re) continue;
        if ((re & POLLOUT) && fds[i].fd == l.wfd) flush(l);
        if ((re & (POLLIN | POLLHUP | POLLERR)) && l.reading && fds[i].fd == l.rfd) on_readable(l);
        else if ((re & (POLLHUP | POLLERR)) && fds[i].fd == l.wfd && !(fds[i].events & POLLIN)) link_eof(l);
    }
    return true;
}

bool LiveEnv::run_until(const std::function<bool()>& done, Clock::time_point deadline) {
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= deadline) return false;
        run_once(deadline);
    }
}

void LiveEnv::run_for(milliseconds d) {
    run_until([] { return false; }, Clock::now() + d);
}

} // namespace mitokit::runtime
