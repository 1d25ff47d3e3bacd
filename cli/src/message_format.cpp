#include "message_format.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "json_out.hpp"
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "mitokit/sha1.hpp"

namespace mitokit::cli {
namespace {

namespace pl = mitokit::payload;

// Whether the payload's bytes are pickles, by the same rules as payload::parse_any,
// so the canonical JSON of each pickle can be shown even when the typed parse fails.
bool payload_is_pickle(const Header& h, std::size_t length) {
    if (length == 0 || h.is_dead()) return false;
    switch (h.enc) {
    case Encoding::pickle: return true;
    case Encoding::binary: return false;
    case Encoding::legacy: break;
    }
    switch (h.handle) {
    case handle::GET_MODULE: case handle::FORWARD_LOG: case handle::ADD_ROUTE: case handle::DEL_ROUTE:
    case handle::FORWARD_MODULE:
        return false;
    default: return true;
    }
}

std::string node_json(const pickle::Document& doc, pickle::NodeId id) {
    if (id == pickle::NO_NODE) return "null";
    std::string s;
    if (!pickle::to_json(doc, id, s, pickle::unshared_json_budget(doc))) return "\"<too large to print>\"";
    return s;
}

void json_string_list(std::string& out, const std::vector<std::string>& v) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        json_string(out, v[i]);
    }
    out += ']';
}

void typed_json(std::string& out, const pl::Typed& t) {
    JsonObject o(out);
    std::visit(
        [&](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, pl::GetModule>) {
                o.str("type", "get_module").str("fullname", p.fullname);
            } else if constexpr (std::is_same_v<T, pl::ForwardLog>) {
                o.str("type", "forward_log").str("logger", p.logger).num("level", p.level).str("message", p.message);
            } else if constexpr (std::is_same_v<T, pl::Route>) {
                o.str("type", "route").unum("id", p.id);
                if (p.name) o.str("name", *p.name); else o.null("name");
            } else if constexpr (std::is_same_v<T, pl::ForwardModule>) {
                o.str("type", "forward_module").unum("target", p.target).str("fullname", p.fullname);
            } else if constexpr (std::is_same_v<T, pl::Dead>) {
                o.str("type", "dead").str("reason", p.reason);
            } else if constexpr (std::is_same_v<T, pl::CallFunction>) {
                o.str("type", "call_function").raw("chain_id", node_json(p.doc, p.chain_id)).str("module", p.module);
                if (p.klass) o.str("class", *p.klass); else o.null("class");
                o.str("function", p.function).raw("args", node_json(p.doc, p.args)).raw("kwargs", node_json(p.doc, p.kwargs));
            } else if constexpr (std::is_same_v<T, pl::LoadModule>) {
                o.str("type", "load_module").str("fullname", p.fullname);
                if (p.pkg_present) json_string_list(o.key("pkg_present"), *p.pkg_present); else o.null("pkg_present");
                if (p.path) o.str("path", *p.path); else o.null("path");
                if (p.compressed) {
                    o.unum("compressed_size", p.compressed->size());
                    auto src = pl::inflate_source(*p.compressed);
                    if (src) o.unum("source_size", src->size()); else o.str("source_error", src.error().message);
                } else {
                    o.null("compressed_size");
                }
                json_string_list(o.key("related"), p.related);
                o.boolean("negative", p.is_negative());
            } else if constexpr (std::is_same_v<T, pl::AllocateIdReply>) {
                o.str("type", "allocate_id_reply").num("start", p.start).num("end", p.end);
            } else if constexpr (std::is_same_v<T, pl::CallService>) {
                o.str("type", "call_service").str("service", p.service).str("method", p.method)
                    .raw("kwargs", node_json(p.doc, p.kwargs));
            } else if constexpr (std::is_same_v<T, pl::Pickled>) {
                o.str("type", "pickle");
            } else {
                static_assert(std::is_same_v<T, pl::Raw>);
                o.str("type", "raw");
            }
        },
        t);
    o.close();
}

std::string quoted(std::string_view v) {
    std::string s;
    json_string(s, v);
    return s;
}

// A name from the payload (module, logger, path, ...): as it is when plain, else
// quoted() so control bytes cannot reach the terminal or split the line.
std::string name_text(std::string_view v) {
    const bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    return plain ? std::string(v) : quoted(v);
}

// JSON items of a tuple/list/kwargs node, joined for a human "f(a, b, k=v)" line.
std::string call_arguments(const pickle::Document& doc, pickle::NodeId args, pickle::NodeId kwargs) {
    std::string s;
    if (args != pickle::NO_NODE)
        for (auto id : doc[args].items) {
            if (!s.empty()) s += ", ";
            s += node_json(doc, id);
        }
    if (kwargs != pickle::NO_NODE) {
        const auto& items = doc[kwargs].items;
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            if (!s.empty()) s += ", ";
            const auto& k = doc[items[i]];
            s += k.kind == pickle::Kind::str ? name_text(k.s) : node_json(doc, items[i]);
            s += '=';
            s += node_json(doc, items[i + 1]);
        }
    }
    return s;
}

std::string typed_summary(const pl::Typed& t) {
    return std::visit(
        [&](const auto& p) -> std::string {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, pl::GetModule>) {
                return quoted(p.fullname);
            } else if constexpr (std::is_same_v<T, pl::ForwardLog>) {
                return name_text(p.logger) + " level " + std::to_string(p.level) + ": " + quoted(p.message);
            } else if constexpr (std::is_same_v<T, pl::Route>) {
                return "context " + std::to_string(p.id) + (p.name ? " " + quoted(*p.name) : std::string());
            } else if constexpr (std::is_same_v<T, pl::ForwardModule>) {
                return quoted(p.fullname) + " to context " + std::to_string(p.target);
            } else if constexpr (std::is_same_v<T, pl::Dead>) {
                return "dead: " + quoted(p.reason);
            } else if constexpr (std::is_same_v<T, pl::CallFunction>) {
                std::string s = name_text(p.module) + "." + (p.klass ? name_text(*p.klass) + "." : std::string()) +
                                name_text(p.function) + "(" +
                                call_arguments(p.doc, p.args, p.kwargs) + ")";
                if (p.chain_id != pickle::NO_NODE && p.doc[p.chain_id].kind != pickle::Kind::none)
                    s += " chain " + node_json(p.doc, p.chain_id);
                return s;
            } else if constexpr (std::is_same_v<T, pl::LoadModule>) {
                if (p.is_negative()) return name_text(p.fullname) + " (not served)";
                std::string s = name_text(p.fullname) + (p.pkg_present ? " package" : "");
                if (p.path) s += " from " + name_text(*p.path);
                if (p.compressed) {
                    auto src = pl::inflate_source(*p.compressed);
                    s += ", " + (src ? std::to_string(src->size()) + " bytes source" : std::string("bad source")) +
                         " (" + std::to_string(p.compressed->size()) + " zlib)";
                }
                if (!p.related.empty()) {
                    s += ", related:";
                    for (const auto& r : p.related) s += " " + name_text(r);
                }
                return s;
            } else if constexpr (std::is_same_v<T, pl::AllocateIdReply>) {
                return "ids [" + std::to_string(p.start) + ", " + std::to_string(p.end) + ")";
            } else if constexpr (std::is_same_v<T, pl::CallService>) {
                return name_text(p.service) + "." + name_text(p.method) + "(" + call_arguments(p.doc, pickle::NO_NODE, p.kwargs) + ")";
            } else if constexpr (std::is_same_v<T, pl::Pickled>) {
                std::string s;
                for (auto r : p.doc.roots()) {
                    if (!s.empty()) s += " ";
                    s += node_json(p.doc, r);
                }
                return s;
            } else {
                if (p.bytes.empty()) return {};
                std::string s = "raw ";
                hex_append(s, std::span<const std::uint8_t>(p.bytes).first(std::min<std::size_t>(p.bytes.size(), 32)));
                return s;
            }
        },
        t);
}

void shorten(std::string& s, std::size_t max) {
    if (s.size() <= max) return;
    s.resize(max > 3 ? max - 3 : 0);
    s += "...";
}

void label_json(JsonObject& o, const StreamLabel* label) {
    if (!label) return;
    o.str("conversation", label->conversation).str("direction", label->direction).str("from", label->from)
        .str("to", label->to);
}

std::string label_prefix(const StreamLabel* label) {
    return label ? label->from + "->" + label->to + " " : std::string();
}

// An MI payload's bytes after its pickle: mitogen 0.3.3 never reads them, so
// neither does the value shown, but the output says they were there.
std::string trailing_note(std::size_t n) {
    return "note: " + std::to_string(n) + " trailing bytes after the pickle ignored, as mitogen 0.3.3 does";
}

std::string offset_col(std::uint64_t off) {
    std::string s = "@" + std::to_string(off);
    if (s.size() < 9) s.resize(9, ' ');
    return s;
}

} // namespace

void MessageFormatter::note_error(const StreamLabel* label, const std::string& where, const std::string& what) {
    ++errors_;
    if (first_error_.empty()) first_error_ = (label ? label->from + "->" + label->to + ": " : std::string()) + where + what;
}

void MessageFormatter::message(std::string& out, const StreamLabel* label, const MessageView& m) {
    ++messages_;
    const Header& h = m.header;
    const auto typed = pl::parse_any(h, m.payload);
    std::string payload_error;
    if (!typed) payload_error = typed.error().message;

    if (!opt_.json) {
        out += label_prefix(label);
        out += offset_col(m.offset);
        out += ' ';
        out += encoding_name(h.enc);
        out += ' ' + std::to_string(h.src_id) + "->" + std::to_string(h.dst_id);
        if (h.auth_id != h.src_id) out += " auth " + std::to_string(h.auth_id);
        const auto name = handle_name(h.handle);
        out += ' ';
        if (!name.empty()) out += name;
        else out += (h.handle >= handle::FIRST_DYNAMIC ? "reply " : "handle ") + std::to_string(h.handle);
        if (h.reply_to == handle::IS_DEAD) out += " dead";
        else if (h.reply_to != 0) out += " reply_to " + std::to_string(h.reply_to);
        out += " len " + std::to_string(h.length);
        std::string summary = typed ? typed_summary(*typed) : "payload error: " + payload_error;
        shorten(summary, opt_.max_summary);
        if (!summary.empty()) out += ": " + summary;
        if (typed) {
            if (const std::size_t n = pl::trailing_bytes(*typed)) out += " (" + trailing_note(n) + ")";
        }
        out += '\n';
        if (!typed) note_error(label, "offset " + std::to_string(m.offset) + ": ", payload_error);
        return;
    }

    JsonObject o(out);
    label_json(o, label);
    o.unum("offset", m.offset).str("enc", encoding_name(h.enc)).unum("dst", h.dst_id).unum("src", h.src_id)
        .unum("auth", h.auth_id).unum("handle", h.handle).str("handle_name", handle_name(h.handle))
        .unum("reply_to", h.reply_to).unum("length", h.length).str("sha1", sha1_hex(m.payload));
    if (typed) typed_json(o.key("payload"), *typed);
    if (payload_is_pickle(h, m.payload.size())) {
        pickle::Document doc;
        // As the receiver reads them: MI the first pickle only, MJ all of them.
        const auto trailing = payload::decode_pickles(m.payload, doc, h.enc);
        if (trailing) {
            std::string& v = o.key("values");
            v += '[';
            bool first = true;
            for (auto r : doc.roots()) {
                if (!first) v += ',';
                first = false;
                v += node_json(doc, r);
            }
            v += ']';
            o.unum("trailing_bytes", *trailing);
        } else if (payload_error.empty()) {
            payload_error = trailing.error().message;
        }
    } else {
        hex_append(o.key("raw") += '"', m.payload);
        out += '"';
    }
    if (!payload_error.empty()) {
        o.str("payload_error", payload_error);
        note_error(label, "offset " + std::to_string(m.offset) + ": ", payload_error);
    }
    o.close();
    out += '\n';
}

void MessageFormatter::bootstrap(std::string& out, const StreamLabel* label, const BootstrapEvent& e) {
    if (!opt_.json) {
        out += label_prefix(label);
        out += offset_col(e.offset);
        out += " bootstrap ";
        out += bootstrap_kind_name(e.kind);
        out += " (" + std::to_string(e.length) + " bytes";
        if (e.kind == BootstrapKind::preamble) out += ", inflates to " + std::to_string(e.inflated_size);
        out += ")";
        if (!e.text.empty() && (e.kind == BootstrapKind::noise || e.kind == BootstrapKind::preamble)) {
            std::string t;
            json_string(t, e.text);
            shorten(t, opt_.max_summary);
            out += (e.kind == BootstrapKind::preamble ? ": config " : ": ") + t;
        }
        out += "\n";
        return;
    }
    JsonObject o(out);
    label_json(o, label);
    o.unum("offset", e.offset).str("event", bootstrap_kind_name(e.kind)).unum("length", e.length);
    if (e.kind == BootstrapKind::preamble) {
        o.unum("inflated_size", e.inflated_size);
        if (!e.text.empty()) o.str("config", e.text);
    } else {
        o.str("text", e.text);
    }
    o.close();
    out += '\n';
}

void MessageFormatter::skipped(std::string& out, const StreamLabel* label, std::uint64_t offset,
                               std::uint64_t length, const std::string& why) {
    if (!opt_.json) {
        out += label_prefix(label);
        out += offset_col(offset);
        out += " skipped " + std::to_string(length) + " bytes before a frame header (" + why + ")\n";
        return;
    }
    JsonObject o(out);
    label_json(o, label);
    o.unum("offset", offset).str("event", "skipped").unum("length", length).str("text", why);
    o.close();
    out += '\n';
}

void MessageFormatter::gap(std::string& out, const StreamLabel* label, const Error& e) {
    note_error(nullptr, "", e.message);
    print_error(out, label, e, 0);
}

void MessageFormatter::error(std::string& out, const StreamLabel* label, const Error& e, std::uint64_t packet) {
    const std::string where = packet ? std::string() : "offset " + std::to_string(e.offset) + ": ";
    note_error(packet ? nullptr : label, where, e.message);
    print_error(out, label, e, packet);
}

void MessageFormatter::print_error(std::string& out, const StreamLabel* label, const Error& e, std::uint64_t packet) {
    if (!opt_.json) {
        if (packet) {
            out += "error: " + e.message + "\n";
            return;
        }
        out += label_prefix(label);
        out += offset_col(e.offset);
        out += " error ";
        out += errc_name(e.code);
        out += ": " + e.message + "\n";
        return;
    }
    JsonObject o(out);
    if (packet) {
        o.unum("packet", packet);
    } else {
        label_json(o, label);
        o.unum("offset", e.offset);
    }
    o.str("error", errc_name(e.code)).str("message", e.message);
    o.close();
    out += '\n';
}

} // namespace mitokit::cli
