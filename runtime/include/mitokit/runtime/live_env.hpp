// The real driver for sim::Node: wall-clock time, a poll() loop over file
// descriptors, timers for defer(), and spawn_child() booting real Python mitogen
// children (transport::boot_python_child). The Node never sees an fd: bytes read
// go to Node::receive, Node's writes are buffered and flushed without blocking.
//
// Single-threaded: every Node callback runs inside run_until()/run_for(). Nothing
// outlives the LiveEnv: its destructor kills and reaps any child still running.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mitokit/result.hpp"
#include "mitokit/sim/node.hpp"
#include "mitokit/transport/boot.hpp"

namespace mitokit::runtime {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct LiveOptions {
    std::string python = "/usr/bin/python3";
    std::string core_source;                         // the children's mitogen/core.py
    transport::LinkKind link = transport::LinkKind::socketpair;
    milliseconds connect_timeout{30000};             // the reference's default
    std::size_t read_chunk = 256u << 10;             // bytes per read() call
    std::size_t max_pending_write = 256u << 20;      // unflushed bytes per link before it is cut
    int child_log_level = 30;                        // the children's config log_level
};

struct LogRecord {
    sim::ContextId src = 0;
    std::string logger;
    int level = 0;
    std::string text;
};

// What crossed one link, counted per frame in each direction.
struct LinkCounts {
    std::map<std::uint32_t, std::uint64_t> in;  // handle -> frames received from the peer
    std::map<std::uint32_t, std::uint64_t> out; // handle -> frames written to the peer
    std::uint64_t bytes_in = 0, bytes_out = 0;
};

struct ChildExit {
    sim::ContextId id = 0;
    int pid = 0;
    std::optional<int> status; // negative: killed by that signal; nullopt: still running when the link closed
};

class LiveEnv final : public sim::NodeEnv {
public:
    explicit LiveEnv(LiveOptions opt);
    ~LiveEnv() override;
    LiveEnv(const LiveEnv&) = delete;
    LiveEnv& operator=(const LiveEnv&) = delete;

    // Boots a Python child of `parent` with this ID over a fresh link, registers
    // the stream on `parent` and returns it (the caller then runs
    // Node::child_connected). Blocks for the boot only (up to connect_timeout).
    Result<sim::StreamId> boot_child(sim::Node& parent, sim::ContextId id, const std::string& name);

    // An in-process C++ context (a sim::Node driven by this loop) as a child of
    // `parent`, over a real socketpair: mixed trees of C++ contexts and Python
    // children. The caller runs Node::child_connected on the returned stream.
    struct LocalChild {
        sim::Node* node = nullptr;
        sim::StreamId parent_stream = sim::NO_STREAM;
    };
    Result<LocalChild> add_local_child(sim::Node& parent, sim::ContextId id, const std::string& name,
                                       const sim::NodeShared& shared);

    // Adopts an fd that is already connected and past any handshake (a UNIX
    // listener's accepted client, or our own unix_connect()) as a new stream of
    // `n` to `remote`; `stamp_auth` is a listener's auth_id stamp. The caller
    // registers the stream (Node::register_peer or attach_parent).
    Result<sim::StreamId> adopt(sim::Node& n, transport::Fd fd, sim::ContextId remote, const std::string& name,
                                std::optional<sim::ContextId> stamp_auth = std::nullopt);

    // Calls `on_readable` from the loop whenever `fd` is readable (a listening
    // socket). The fd stays the caller's; unwatch() before closing it.
    void watch(int fd, std::function<void()> on_readable);
    void unwatch(int fd);

    // Runs the loop until `done()` is true (checked after each event) or the
    // deadline passes; false on timeout.
    bool run_until(const std::function<bool()>& done, Clock::time_point deadline);
    void run_for(milliseconds d);

    // Waits for every child process to exit (after SHUTDOWN or EOF), up to the
    // deadline; those still running then are killed with SIGKILL and reaped.
    // Returns how many had to be killed.
    std::size_t reap_children(Clock::time_point deadline);

    // Observation.
    const std::vector<LogRecord>& logs() const noexcept { return logs_; }
    const std::vector<ChildExit>& exits() const noexcept { return exits_; }
    const std::vector<std::string>& errors() const noexcept { return errors_; }
    std::uint64_t note_count(sim::Note n) const noexcept { return notes_[static_cast<std::size_t>(n)]; }
    // Totals over all links of `n`.
    LinkCounts counts(const sim::Node& n) const;
    std::vector<int> child_pids() const; // processes not yet reaped
    bool flushed() const;                // no link holds unsent bytes
    std::function<void(const LogRecord&)> on_log;   // optional live sink
    // Optional tap: every frame a peer sent on a link of `n`, before the node sees it.
    std::function<void(const sim::Node& n, sim::StreamId s, const MessageView& m)> on_frame_in;
    // Optional tap: every frame `n` writes to a link (header, then payload).
    std::function<void(const sim::Node& n, sim::StreamId s, const Header& h, std::span<const std::uint8_t> payload)>
        on_frame_out;

    // sim::NodeEnv
    sim::Time now() const override;
    void write(sim::Node& n, sim::StreamId s, std::vector<std::uint8_t> bytes) override;
    void close_stream(sim::Node& n, sim::StreamId s) override;
    void defer(sim::Node& n, sim::Time delay, std::function<void()> fn) override;
    void note(sim::Node& n, sim::Note what, const Header* h, std::string_view detail) override;
    void spawn_child(sim::Node& parent, sim::ContextId id, std::string name, std::uint32_t spawn) override;
    void log_record(sim::Node& master, sim::ContextId src, std::string_view logger, int level,
                    std::string_view text) override;
    void exited(sim::Node& n) override;

private:
    struct Link;
    Link* find(const sim::Node& n, sim::StreamId s) const;
    void flush(Link& l);
    void on_readable(Link& l);
    void link_eof(Link& l);
    void link_failed(Link& l);
    void finish_eof(Link& l);
    void drop_fds(Link& l);
    void note_exit(Link& l, Clock::time_point deadline);
    bool run_once(Clock::time_point deadline);
    bool run_timers();

    LiveOptions opt_;
    Clock::time_point start_;
    std::vector<std::unique_ptr<sim::Node>> local_nodes_; // outlive links_ (declared first)
    std::vector<std::unique_ptr<Link>> links_;
    std::multimap<Clock::time_point, std::function<void()>> timers_;
    std::map<int, std::function<void()>> watched_;
    std::vector<LogRecord> logs_;
    std::vector<ChildExit> exits_;
    std::vector<std::string> errors_;
    std::vector<std::uint8_t> rbuf_; // one read() at a time: reused
    std::array<std::uint64_t, static_cast<std::size_t>(sim::Note::count_)> notes_{};
};

} // namespace mitokit::runtime
