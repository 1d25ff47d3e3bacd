#include "payload_view.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>
#include <variant>

#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "registry.hpp"
#include "text.hpp"
#include "value_tree.hpp"

namespace mitokit::ws {

namespace {

using pickle::Document;
using pickle::Kind;
using pickle::NodeId;

constexpr std::size_t SUMMARY_ARGS = 60; // characters of a value shown in the Info column

// Ties together what every helper below needs: where the payload is and the prefs.
struct View {
    const PayloadSpot& at;
    int length;
    Encoding enc = Encoding::legacy; // MI: one pickle and maybe a tail; MJ: pickles to the end
    Registry& r = registry();

    proto_item* str(int hf, std::string_view s) const {
        return proto_tree_add_string(at.tree, hf, at.tvb, at.offset, length, valid_utf8(s).c_str());
    }
    void expert(expert_field* ei, const std::string& text) const {
        proto_tree_add_expert_format(at.tree, at.pinfo, ei, at.tvb, at.offset, length, "%s", valid_utf8(text).c_str());
    }
    pickle::DecodeOptions decode_options() const {
        pickle::DecodeOptions o;
        o.limits.max_depth = std::max<guint>(1, r.prefs.max_pickle_depth);
        return o;
    }
};

// One error from libproto, as the expert info that fits it.
void report_error(const View& v, const Error& e) {
    Registry& r = v.r;
    expert_field* ei = &r.ei.malformed_pickle;
    switch (e.code) {
    case Errc::refused_global: ei = &r.ei.refused_global; break;
    case Errc::bad_payload: ei = &r.ei.bad_payload; break;
    case Errc::limit: ei = &r.ei.limit; break;
    case Errc::decompress: ei = &r.ei.decompress; break;
    default: break;
    }
    // libproto's messages usually name the offset already.
    std::string text = e.message;
    if (text.find("offset") == std::string::npos) text += " (payload offset " + std::to_string(e.offset) + ")";
    v.expert(ei, text);
}

std::string json_of(const Document& doc, NodeId id, std::size_t cap) {
    std::string out;
    if (!pickle::to_json(doc, id, out, cap)) return {};
    return out;
}

// The value tree and canonical JSON of every pickle in `doc`.
void show_document(const View& v, const Document& doc, bool quiet_json_limit) {
    if (!v.at.tree) return;
    Registry& r = v.r;
    proto_item* ci = proto_tree_add_uint(v.at.tree, r.hf.pickle_count, v.at.tvb, v.at.offset, v.length,
                                         static_cast<guint32>(doc.roots().size()));
    proto_item_set_generated(ci);
    ValueTreeLimits lim;
    lim.max_items = r.prefs.max_tree_items;
    // Leave room under epan's tree depth limit for the levels above the value.
    lim.max_depth = prefs.gui_max_tree_depth > 12 ? prefs.gui_max_tree_depth - 8 : 4;
    std::size_t n = 0;
    for (NodeId root : doc.roots()) {
        char label[32];
        std::snprintf(label, sizeof label, doc.roots().size() > 1 ? "Pickle %zu" : "Value", n++);
        ValueTreeResult res = add_value_tree(v.at.tree, v.at.tvb, v.at.offset, v.length, doc, root, label, lim);
        if (res.cut) {
            v.expert(&r.ei.limit,
                     "Value tree cut after " + std::to_string(res.items) + " items (preferences max_tree_items, "
                     "gui.max_tree_depth)");
        }
        std::string json;
        Status st = pickle::to_json(doc, root, json, r.prefs.max_json_bytes);
        if (st) {
            proto_item* ji = v.str(r.hf.pickle_json, json);
            proto_item_set_generated(ji);
        } else if (!quiet_json_limit) {
            v.expert(&r.ei.limit, "Canonical JSON not shown: " + st.error().message +
                                                                  " (preference max_json_bytes)");
        }
    }
}

// Decodes the payload as plain pickles to show the value tree of a typed payload
// whose struct does not keep its Document, reading it as its encoding says.
// Returns the bytes after an MI payload's pickle (0 without a tree).
std::size_t show_pickles(const View& v, std::span<const std::uint8_t> payload, bool quiet_json_limit) {
    if (!v.at.tree) return 0;
    Document doc;
    auto trailing = payload::decode_pickles(payload, doc, v.enc, v.decode_options());
    if (!trailing) return 0;
    show_document(v, doc, quiet_json_limit);
    return *trailing;
}

// The tail of an MI payload that the reference never reads: marked, not dropped.
void show_trailing(const View& v, std::size_t trailing) {
    if (trailing == 0) return;
    const int n = static_cast<int>(trailing);
    const int at = v.at.offset + v.length - n;
    proto_tree_add_item(v.at.tree, v.r.hf.pickle_trailing, v.at.tvb, at, n, ENC_NA);
    proto_tree_add_expert_format(v.at.tree, v.at.pinfo, &v.r.ei.trailing_bytes, v.at.tvb, at, n,
                                 "%d trailing bytes after the pickle ignored, as mitogen 0.3.3 does", n);
}

void show_call_errors(const View& v, const Document& doc, PayloadFacts& f) {
    for (NodeId root : doc.roots()) {
        if (root >= doc.size() || doc[root].kind != Kind::call_error) continue;
        f.call_error = true;
        v.str(v.r.hf.call_error, doc[root].s);
        const std::string first_line = doc[root].s.substr(0, doc[root].s.find('\n'));
        v.expert(&v.r.ei.call_error, "CallError: " + first_line);
    }
}

std::string node_text(const Document& doc, NodeId id) {
    if (id == pickle::NO_NODE || id >= doc.size()) return {};
    const auto& n = doc[id];
    if (n.kind == Kind::str || n.kind == Kind::bytes) return n.s;
    return short_repr(doc, id, 200);
}

struct Shower {
    const View& v;
    std::span<const std::uint8_t> payload;
    PayloadFacts& f;

    void operator()(const payload::GetModule& m) {
        v.str(v.r.hf.get_module_fullname, m.fullname);
        f.is_get_module = true;
        f.module_name = m.fullname;
        f.summary = m.fullname;
    }
    void operator()(const payload::ForwardLog& m) {
        v.str(v.r.hf.log_name, m.logger);
        proto_tree_add_int(v.at.tree, v.r.hf.log_level, v.at.tvb, v.at.offset, v.length, m.level);
        v.str(v.r.hf.log_text, m.message);
        f.summary = m.logger + "[" + std::to_string(m.level) + "]: " + m.message.substr(0, SUMMARY_ARGS);
    }
    void operator()(const payload::Route& m) {
        proto_tree_add_uint(v.at.tree, v.r.hf.route_id, v.at.tvb, v.at.offset, v.length, m.id);
        if (m.name) v.str(v.r.hf.route_name, *m.name);
        f.summary = std::to_string(m.id) + (m.name ? ":" + *m.name : "");
    }
    void operator()(const payload::ForwardModule& m) {
        proto_tree_add_uint(v.at.tree, v.r.hf.fwd_target, v.at.tvb, v.at.offset, v.length, m.target);
        v.str(v.r.hf.fwd_fullname, m.fullname);
        f.summary = m.fullname + " to " + std::to_string(m.target);
    }
    void operator()(const payload::Dead& m) {
        v.str(v.r.hf.dead_reason, m.reason);
        f.is_dead = true;
        f.dead_reason = m.reason;
        f.summary = m.reason.empty() ? "(no reason)" : m.reason;
    }
    void operator()(const payload::CallFunction& m) {
        const Document& doc = m.doc;
        if (m.chain_id != pickle::NO_NODE && m.chain_id < doc.size() && doc[m.chain_id].kind != Kind::none)
            v.str(v.r.hf.call_chain_id, node_text(doc, m.chain_id));
        v.str(v.r.hf.call_module, m.module);
        if (m.klass) v.str(v.r.hf.call_class, *m.klass);
        v.str(v.r.hf.call_function, m.function);
        if (v.at.tree) {
            v.str(v.r.hf.call_args, json_of(doc, m.args, v.r.prefs.max_json_bytes));
            v.str(v.r.hf.call_kwargs, json_of(doc, m.kwargs, v.r.prefs.max_json_bytes));
        }
        std::string args = m.args < doc.size() ? short_repr(doc, m.args, SUMMARY_ARGS) : "()";
        if (args.size() >= 2 && args[args.size() - 2] == ',' && args.back() == ')') args.erase(args.size() - 2, 1);
        // A list of arguments (the receiver unpacks any sequence) reads as a call too.
        if (m.args < doc.size() && doc[m.args].kind == Kind::list && args.size() >= 2 && args.front() == '[' && args.back() == ']')
            args = "(" + args.substr(1, args.size() - 2) + ")";
        f.summary = m.module + "." + (m.klass ? *m.klass + "." : "") + m.function + args;
        show_document(v, doc, false);
    }
    void operator()(const payload::LoadModule& m) {
        Registry& r = v.r;
        v.str(r.hf.lm_fullname, m.fullname);
        f.is_load_module = true;
        f.module_name = m.fullname;
        proto_item* neg = proto_tree_add_boolean(v.at.tree, r.hf.lm_negative, v.at.tvb, v.at.offset, v.length,
                                                 m.is_negative());
        proto_item_set_generated(neg);
        proto_item* pk = proto_tree_add_boolean(v.at.tree, r.hf.lm_is_package, v.at.tvb, v.at.offset, v.length,
                                                m.pkg_present.has_value());
        proto_item_set_generated(pk);
        if (m.pkg_present)
            for (const std::string& p : *m.pkg_present) v.str(r.hf.lm_pkg_present, p);
        if (m.path) v.str(r.hf.lm_path, *m.path);
        for (const std::string& rel : m.related) v.str(r.hf.lm_related, rel);
        if (m.compressed) {
            proto_tree_add_uint(v.at.tree, r.hf.lm_compressed_size, v.at.tvb, v.at.offset, v.length,
                                static_cast<guint32>(m.compressed->size()));
            if (v.at.tree && r.prefs.show_source) {
                auto src = payload::inflate_source(*m.compressed);
                if (src) {
                    proto_item* si = proto_tree_add_uint(v.at.tree, r.hf.lm_source_size, v.at.tvb, v.at.offset,
                                                         v.length, static_cast<guint32>(src->size()));
                    proto_item_set_generated(si);
                    std::string shown = src->substr(0, r.prefs.max_source_shown);
                    proto_item* ti = v.str(r.hf.lm_source, shown);
                    proto_item_set_generated(ti);
                    if (shown.size() < src->size())
                        proto_item_append_text(ti, " [first %zu of %zu bytes]", shown.size(), src->size());
                } else {
                    report_error(v, src.error());
                }
            }
        }
        f.summary = m.fullname + (m.is_negative() ? " (negative)" : "");
        show_pickles(v, payload, true);
    }
    void operator()(const payload::AllocateIdReply& m) {
        proto_tree_add_int64(v.at.tree, v.r.hf.alloc_start, v.at.tvb, v.at.offset, v.length, m.start);
        proto_tree_add_int64(v.at.tree, v.r.hf.alloc_end, v.at.tvb, v.at.offset, v.length, m.end);
        f.summary = "ids " + std::to_string(m.start) + ".." + std::to_string(m.end);
        show_pickles(v, payload, false);
    }
    void operator()(const payload::CallService& m) {
        v.str(v.r.hf.svc_service, m.service);
        v.str(v.r.hf.svc_method, m.method);
        if (v.at.tree) v.str(v.r.hf.svc_kwargs, json_of(m.doc, m.kwargs, v.r.prefs.max_json_bytes));
        f.summary = m.service + "." + m.method;
        show_document(v, m.doc, false);
    }
    void operator()(const payload::Pickled& m) {
        // Only the request says what a reply is: an ALLOCATE_ID reply is an id block.
        if (v.at.answers_handle == handle::ALLOCATE_ID) {
            if (auto ids = payload::parse_allocate_id_reply(payload, v.enc)) {
                proto_tree_add_int64(v.at.tree, v.r.hf.alloc_start, v.at.tvb, v.at.offset, v.length, ids->start);
                proto_tree_add_int64(v.at.tree, v.r.hf.alloc_end, v.at.tvb, v.at.offset, v.length, ids->end);
            } else {
                report_error(v, ids.error());
            }
        }
        show_call_errors(v, m.doc, f);
        for (NodeId root : m.doc.roots()) {
            if (!f.summary.empty()) f.summary += ", ";
            if (root < m.doc.size() && m.doc[root].kind == Kind::call_error) {
                const std::string& text = m.doc[root].s;
                f.summary += "CallError: " + text.substr(0, std::min(text.find('\n'), SUMMARY_ARGS));
            } else {
                f.summary += short_repr(m.doc, root, SUMMARY_ARGS);
            }
        }
        show_document(v, m.doc, false);
    }
    void operator()(const payload::Raw& m) {
        f.summary = std::to_string(m.bytes.size()) + " raw bytes";
    }
};

} // namespace

PayloadFacts show_payload(const PayloadSpot& at, const Header& h, std::span<const std::uint8_t> payload) {
    const View v{at, static_cast<int>(payload.size()), h.enc};
    PayloadFacts f;
    auto typed = payload::parse_any(h, payload, v.decode_options());
    if (!typed) {
        report_error(v, typed.error());
        f.summary = std::string("[") + errc_name(typed.error().code) + "]";
        // A pickle of the wrong shape is still a value worth showing.
        if (typed.error().code == Errc::bad_payload) show_trailing(v, show_pickles(v, payload, false));
        if (h.is_dead()) {
            f.is_dead = true;
        }
        return f;
    }
    std::visit(Shower{v, payload, f}, *typed);
    show_trailing(v, payload::trailing_bytes(*typed));
    return f;
}

} // namespace mitokit::ws
