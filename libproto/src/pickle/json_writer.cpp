// Canonical JSON (value-json.md), the same text as value_json.py's to_json.
#include <algorithm>
#include <cstdio>
#include <string>

#include "base64.hpp"
#include "mitokit/pickle/json.hpp"
#include "pynumber.hpp"
#include "text.hpp"

namespace mitokit::pickle {
namespace {

constexpr std::size_t kMaxJsonDepth = 1000;
constexpr std::int64_t kSafe = std::int64_t{1} << 53;

void json_string(std::string_view s, std::string& out) {
    out.push_back('"');
    std::size_t i = 0;
    char buf[16];
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        std::uint32_t cp = detail::utf8_next(s, i);
        if (cp > 0xffff) {
            cp -= 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", cp);
        }
        out += buf;
    }
    out.push_back('"');
}

class Writer {
public:
    Writer(const Document& doc, std::string& out, std::size_t max_output)
        : doc_(doc), out_(out), start_(out.size()), max_(max_output) {}

    // Checked before a node (a shared value must not expand first) and after it
    // (one long str or bytes alone can exceed the budget).
    Status write(NodeId id, std::size_t depth) {
        if (depth > kMaxJsonDepth)
            return make_error(Errc::limit, "value nests deeper than " + std::to_string(kMaxJsonDepth) + " levels (or contains itself)");
        if (auto st = within_budget(); !st) return st;
        if (auto st = write_node(id, depth); !st) return st;
        return within_budget();
    }

private:
    Status within_budget() const {
        if (out_.size() - start_ > max_)
            return make_error(Errc::limit, "canonical JSON exceeds max_output=" + std::to_string(max_) +
                                               " bytes (a long or shared value expands too much when printed)");
        return {};
    }

    Status write_node(NodeId id, std::size_t depth) {
        const Node& n = doc_[id];
        switch (n.kind) {
        case Kind::none: out_ += "null"; return {};
        case Kind::boolean: out_ += n.flag ? "true" : "false"; return {};
        case Kind::integer:
            if (n.i > -kSafe && n.i < kSafe) out_ += std::to_string(n.i);
            else out_ += "{\"int\":\"" + std::to_string(n.i) + "\"}";
            return {};
        case Kind::big_integer: out_ += "{\"int\":\"" + n.s + "\"}"; return {};
        case Kind::floating:
            out_ += "{\"float\":\"";
            detail::float_repr(n.f, out_);
            out_ += "\"}";
            return {};
        case Kind::str: json_string(n.s, out_); return {};
        case Kind::bytes:
        case Kind::blob:
            out_ += n.kind == Kind::bytes ? "{\"bytes\":\"" : "{\"blob\":\"";
            detail::base64_encode(n.s, out_);
            out_ += "\"}";
            return {};
        case Kind::secret:
        case Kind::call_error:
            out_ += n.kind == Kind::secret ? "{\"secret\":" : "{\"call_error\":";
            json_string(n.s, out_);
            out_ += "}";
            return {};
        case Kind::tuple:
            out_ += "{\"tuple\":";
            if (auto st = array(n, depth); !st) return st;
            out_ += "}";
            return {};
        case Kind::list: return array(n, depth);
        case Kind::dict:
        case Kind::kwargs: {
            out_ += n.kind == Kind::dict ? "{\"dict\":[" : "{\"kwargs\":[";
            for (std::size_t k = 0; k + 1 < n.items.size(); k += 2) {
                if (k) out_.push_back(',');
                out_.push_back('[');
                if (auto st = write(n.items[k], depth + 1); !st) return st;
                out_.push_back(',');
                if (auto st = write(n.items[k + 1], depth + 1); !st) return st;
                out_.push_back(']');
            }
            out_ += "]}";
            return {};
        }
        case Kind::context:
            out_ += "{\"context\":[" + std::to_string(n.i) + ",";
            if (n.flag) json_string(n.s, out_);
            else out_ += "null";
            out_ += "]}";
            return {};
        case Kind::sender: out_ += "{\"sender\":[" + std::to_string(n.i) + "," + std::to_string(n.i2) + "]}"; return {};
        default:
            return make_error(Errc::unsupported, std::string("no canonical JSON for <class '") + python_type_name(n.kind, n.i) + "'>");
        }
    }

    Status array(const Node& n, std::size_t depth) {
        out_.push_back('[');
        for (std::size_t k = 0; k < n.items.size(); ++k) {
            if (k) out_.push_back(',');
            if (auto st = write(n.items[k], depth + 1); !st) return st;
        }
        out_.push_back(']');
        return {};
    }

    const Document& doc_;
    std::string& out_;
    std::size_t start_;
    std::size_t max_;
};

} // namespace

Status to_json(const Document& doc, NodeId root, std::string& out, std::size_t max_output) {
    if (root >= doc.size()) return make_error(Errc::bad_value, "to_json: root " + std::to_string(root) + " is not a node of the document");
    const std::size_t before = out.size();
    Writer w(doc, out, max_output);
    Status st = w.write(root, 0);
    if (!st) out.resize(before);
    return st;
}

std::size_t unshared_json_budget(const Document& doc) {
    std::size_t text = 0;
    for (NodeId i = 0; i < doc.size(); ++i) text += doc[i].s.size();
    return std::max<std::size_t>(std::size_t{64} << 20, 6 * text + 32 * doc.size());
}

} // namespace mitokit::pickle
