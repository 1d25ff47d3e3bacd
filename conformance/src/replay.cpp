#include "mitokit/conformance/replay.hpp"

#include <map>
#include <memory>

#include "mitokit/capture/pcap_reader.hpp"
#include "mitokit/conformance/module_plan.hpp"
#include "mitokit/conformance/wire_client.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/sim/calls.hpp"

namespace mitokit::conformance {
namespace {

using sim::Message;

struct Captured {
    std::uint32_t conv = 0;
    bool c2s = true;
    Message msg;
};

// Every frame of every conversation, in the order the capture delivers them.
class Collector final : public capture::CaptureHandler {
public:
    explicit Collector(std::uint32_t max) : max_(max) {}
    std::vector<Captured> frames;
    std::vector<std::string> errors;

    void on_data(const capture::Conversation& c, capture::Direction d, std::uint64_t,
                 std::span<const std::uint8_t> bytes) override {
        auto& s = stream(c.id, d == capture::Direction::client_to_server);
        if (!s.decoder->failed()) (void)s.decoder->feed(bytes);
    }
    void on_gap(const capture::Conversation&, capture::Direction, const Error& e) override {
        errors.push_back(e.message);
    }

private:
    struct Stream final : StreamHandler {
        Collector* owner = nullptr;
        std::uint32_t conv = 0;
        bool c2s = true;
        std::unique_ptr<StreamDecoder> decoder;
        void on_message(const MessageView& m) override {
            Captured f{conv, c2s, {}};
            f.msg.h = m.header;
            f.msg.data.assign(m.payload.begin(), m.payload.end());
            owner->frames.push_back(std::move(f));
        }
    };
    Stream& stream(std::uint32_t conv, bool c2s) {
        auto& p = streams_[{conv, c2s}];
        if (!p) {
            p = std::make_unique<Stream>();
            p->owner = this;
            p->conv = conv;
            p->c2s = c2s;
            StreamOptions so;
            so.start = StreamStart::detect; // bootstrap lines or a preamble may come first
            so.max_message_size = max_;
            p->decoder = std::make_unique<StreamDecoder>(*p, so);
        }
        return *p;
    }
    std::uint32_t max_;
    std::map<std::pair<std::uint32_t, bool>, std::unique_ptr<Stream>> streams_;
};

std::string first_line(std::string_view s) { return std::string(s.substr(0, s.find('\n'))); }

// An answer in the words rows compare.
std::string describe(const Message& m) {
    if (m.h.handle == handle::LOAD_MODULE && !m.is_dead()) return summarize_payload(m.data);
    const sim::Reply r = sim::read_reply(m);
    if (r.dead) return "dead: " + r.dead_reason;
    if (r.decode_error) return "undecodable: " + *r.decode_error;
    if (r.call_error) return "CallError: " + first_line(*r.call_error);
    std::string json;
    if (auto st = pickle::to_json(r.doc, r.root, json, pickle::unshared_json_budget(r.doc)); !st)
        return "value without canonical JSON";
    return "value " + json;
}

std::string what(const Message& m) {
    switch (m.h.handle) {
    case handle::CALL_FUNCTION: {
        auto c = payload::parse_call_function(m.data, {}, m.h.enc);
        if (!c) return "CALL_FUNCTION (unparsable)";
        return "CALL_FUNCTION " + c->module + "." + (c->klass ? *c->klass + "." : "") + c->function + " to " +
               std::to_string(m.h.dst_id);
    }
    case handle::GET_MODULE: return "GET_MODULE " + std::string(m.text());
    case handle::ALLOCATE_ID: return "ALLOCATE_ID";
    default: return "handle " + std::to_string(m.h.handle) + " to " + std::to_string(m.h.dst_id);
    }
}

bool is_answer(const Message& m) {
    return m.is_dead() || m.h.handle >= handle::FIRST_DYNAMIC || m.h.handle == handle::LOAD_MODULE;
}

bool wants_answer(const Message& m) {
    return (m.h.reply_to != 0 && !m.is_dead()) || m.h.handle == handle::GET_MODULE;
}

// The answers to request `i` among the other side's frames after it.
std::vector<std::string> captured_answers(const std::vector<const Captured*>& conv, std::size_t i) {
    const Message& req = conv[i]->msg;
    std::vector<std::string> out;
    const std::string name(req.text());
    for (std::size_t j = i + 1; j < conv.size(); ++j) {
        if (conv[j]->c2s == conv[i]->c2s) {
            // Modules for a later GET_MODULE are that one's answers.
            if (req.h.handle == handle::GET_MODULE && conv[j]->msg.h.handle == handle::GET_MODULE) break;
            continue;
        }
        const Message& m = conv[j]->msg;
        if (req.h.handle == handle::GET_MODULE) {
            if (m.h.handle != handle::LOAD_MODULE) continue;
            out.push_back(describe(m));
            auto lm = payload::parse_load_module(m.data, {}, m.h.enc);
            if (lm && lm->fullname == name) break;
        } else if (m.h.handle == req.h.reply_to) {
            out.push_back(describe(m));
            break;
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    if (v.empty()) return "no answer";
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : "; ") + e;
    return s;
}

} // namespace

Result<std::vector<CaseResult>> run_replay(const ReplayOptions& opt) {
    Collector col(opt.max_message_size);
    auto stats = capture::read_capture_file(opt.capture_path, col);
    if (!stats) return std::move(stats).error();
    // Pick the conversation.
    std::map<std::uint32_t, std::pair<std::size_t, std::size_t>> per; // conv -> frames c2s, s2c
    for (const auto& f : col.frames) (f.c2s ? per[f.conv].first : per[f.conv].second)++;
    std::uint32_t conv = 0;
    if (opt.conversation) {
        conv = *opt.conversation;
        if (!per.count(conv))
            return make_error(Errc::bad_value, opt.capture_path + ": no mitogen frames in conversation " +
                                                   std::to_string(conv));
    } else {
        bool found = false;
        for (const auto& [c, n] : per)
            if (n.first && n.second) {
                conv = c;
                found = true;
                break;
            }
        if (!found) return make_error(Errc::bad_value, opt.capture_path + ": no conversation has frames both ways");
    }
    std::vector<const Captured*> frames;
    for (const auto& f : col.frames)
        if (f.conv == conv) frames.push_back(&f);
    const bool send_c2s = opt.send_client_side.value_or(frames.front()->c2s);
    std::optional<std::uint32_t> captured_id;
    for (const auto* f : frames)
        if (f->c2s == send_c2s && !is_answer(f->msg)) {
            captured_id = f->msg.h.src_id;
            break;
        }
    if (!captured_id)
        return make_error(Errc::bad_value, opt.capture_path + ": conversation " + std::to_string(conv) +
                                               " has no request to re-send in that direction");

    auto w = WireClient::connect(opt.socket_path, Clock::now() + opt.connect_timeout);
    if (!w) return std::move(w).error();
    WireClient& c = **w;
    std::vector<CaseResult> rows;
    std::size_t sent = 0, skipped = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const Captured& f = *frames[i];
        if (f.c2s != send_c2s) continue;
        if (is_answer(f.msg) || (f.msg.h.handle == handle::SHUTDOWN && !opt.shutdown)) {
            ++skipped;
            continue;
        }
        Header h = f.msg.h;
        for (auto* id : {&h.dst_id, &h.src_id, &h.auth_id})
            if (auto it = opt.id_map.find(*id); it != opt.id_map.end()) *id = it->second;
        if (f.msg.h.src_id == *captured_id) h.src_id = c.id();
        if (f.msg.h.auth_id == *captured_id) h.auth_id = c.id();
        if (!opt.keep_encoding) h.enc = Encoding::legacy;
        if (auto st = c.send(h, f.msg.data, Clock::now() + opt.reply_timeout); !st)
            return make_error(Errc::io, "re-sending frame " + std::to_string(i) + " (" + what(f.msg) +
                                            "): " + st.error().message);
        ++sent;
        if (!wants_answer(f.msg)) continue;
        const auto expected = captured_answers(frames, i);
        const auto wait = expected.empty() ? opt.silence : opt.reply_timeout;
        std::vector<std::string> got;
        std::string trouble;
        const std::string name(f.msg.text());
        auto deadline = Clock::now() + wait;
        for (;;) {
            auto m = c.wait_for(
                [&](const Message& m) {
                    return f.msg.h.handle == handle::GET_MODULE ? m.h.handle == handle::LOAD_MODULE
                                                                : m.h.handle == h.reply_to;
                },
                deadline);
            if (!m) {
                trouble = " (" + m.error().message + ")";
                break;
            }
            if (!*m) break;
            got.push_back(describe(**m));
            if (f.msg.h.handle != handle::GET_MODULE) break;
            auto lm = payload::parse_load_module((*m)->data, {}, (*m)->h.enc);
            if (lm && lm->fullname == name) break;
        }
        std::string e = joined(expected), g = joined(got) + trouble;
        const bool pass = e == g;
        rows.push_back(CaseResult{"#" + std::to_string(i) + " " + what(f.msg), std::move(e), std::move(g), pass});
        if (!trouble.empty()) break;
    }
    rows.push_back(CaseResult{"replay.sent", "every request of conversation " + std::to_string(conv) + " re-sent",
                              std::to_string(sent) + " frames sent, " + std::to_string(skipped) +
                                  " answers/SHUTDOWN not re-sent; the peer " +
                                  (c.closed() ? "closed the connection" : "kept the connection"),
                              !c.closed()});
    return rows;
}

} // namespace mitokit::conformance
