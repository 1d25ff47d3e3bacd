#include "value_tree.hpp"

#include <cstdio>

#include "registry.hpp"
#include "text.hpp"

namespace mitokit::ws {

using pickle::Document;
using pickle::Kind;
using pickle::Node;
using pickle::NodeId;

namespace {

// Appends at most `room` more characters; the walk stops once the budget is spent,
// so a DAG that expands exponentially costs no more than max_chars.
class ReprWriter {
public:
    explicit ReprWriter(std::size_t max_chars) : max_(max_chars) {}
    bool full() const { return out_.size() >= max_; }
    void put(std::string_view s) {
        if (full()) return;
        out_.append(s.substr(0, max_ - out_.size()));
    }
    void quoted(std::string_view s, bool bytes) {
        if (bytes) put("b");
        put("'");
        for (unsigned char c : s) {
            if (full()) return;
            if (c == '\'' || c == '\\') {
                char e[3] = {'\\', static_cast<char>(c), 0};
                put(e);
            } else if (c == '\n') {
                put("\\n");
            } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
                char e[8];
                std::snprintf(e, sizeof e, "\\x%02x", c);
                put(e);
            } else {
                out_.push_back(static_cast<char>(c));
            }
        }
        put("'");
    }
    std::string take() {
        if (out_.size() >= max_) {
            out_.resize(max_ > 3 ? max_ - 3 : 0);
            out_ += "...";
        }
        return std::move(out_);
    }

private:
    std::size_t max_;
    std::string out_;
};

const char* open_close(Kind k, bool open) {
    switch (k) {
    case Kind::tuple: return open ? "(" : ")";
    case Kind::list: return open ? "[" : "]";
    case Kind::dict: return open ? "{" : "}";
    case Kind::kwargs: return open ? "Kwargs({" : "})";
    case Kind::set: return open ? "{" : "}";
    case Kind::frozenset: return open ? "frozenset({" : "})";
    default: return "";
    }
}

void repr(const Document& doc, NodeId id, ReprWriter& w, unsigned depth) {
    if (w.full()) return;
    if (id >= doc.size() || depth > 64) {
        w.put("...");
        return;
    }
    const Node& n = doc[id];
    char buf[64];
    switch (n.kind) {
    case Kind::none: w.put("None"); break;
    case Kind::boolean: w.put(n.flag ? "True" : "False"); break;
    case Kind::integer:
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n.i));
        w.put(buf);
        break;
    case Kind::big_integer: w.put(n.s); break;
    case Kind::floating:
        std::snprintf(buf, sizeof buf, "%.17g", n.f);
        w.put(buf);
        break;
    case Kind::str: w.quoted(n.s, false); break;
    case Kind::bytes: w.quoted(n.s, true); break;
    case Kind::blob:
        std::snprintf(buf, sizeof buf, "Blob(%zu bytes)", n.s.size());
        w.put(buf);
        break;
    case Kind::secret: w.put("Secret(...)"); break;
    case Kind::call_error:
        w.put("CallError(");
        w.quoted(n.s, false);
        w.put(")");
        break;
    case Kind::context:
        std::snprintf(buf, sizeof buf, "Context(%lld", static_cast<long long>(n.i));
        w.put(buf);
        if (n.flag) {
            w.put(", ");
            w.quoted(n.s, false);
        }
        w.put(")");
        break;
    case Kind::sender:
        std::snprintf(buf, sizeof buf, "Sender(%lld, %lld)", static_cast<long long>(n.i),
                      static_cast<long long>(n.i2));
        w.put(buf);
        break;
    case Kind::bytearray:
        w.put("bytearray(");
        w.quoted(n.s, true);
        w.put(")");
        break;
    case Kind::memoryview:
        w.put("memoryview(");
        w.quoted(n.s, true);
        w.put(")");
        break;
    case Kind::global:
        w.put("<global ");
        w.put(pickle::python_type_name(n.kind, n.i));
        std::snprintf(buf, sizeof buf, " %lld>", static_cast<long long>(n.i));
        w.put(buf);
        break;
    case Kind::set:
    case Kind::frozenset:
    case Kind::tuple:
    case Kind::list:
    case Kind::dict:
    case Kind::kwargs: {
        const bool mapping = n.kind == Kind::dict || n.kind == Kind::kwargs;
        w.put(open_close(n.kind, true));
        for (std::size_t i = 0; i < n.items.size() && !w.full(); ++i) {
            if (i) w.put(mapping && i % 2 ? ": " : ", ");
            repr(doc, n.items[i], w, depth + 1);
        }
        if (n.kind == Kind::tuple && n.items.size() == 1) w.put(",");
        w.put(open_close(n.kind, false));
        break;
    }
    }
}

class TreeBuilder {
public:
    TreeBuilder(tvbuff_t* tvb, int offset, int length, const Document& doc, const ValueTreeLimits& lim)
        : tvb_(tvb), off_(offset), len_(length), doc_(doc), lim_(lim) {}

    void add(proto_tree* parent, NodeId id, const std::string& label, std::size_t depth) {
        if (res_.items >= lim_.max_items || depth > lim_.max_depth) {
            res_.cut = true;
            return;
        }
        if (id >= doc_.size()) return;
        const Node& n = doc_[id];
        ++res_.items;
        const Registry& r = registry();
        const bool container = n.kind == Kind::tuple || n.kind == Kind::list || n.kind == Kind::dict ||
                               n.kind == Kind::kwargs || n.kind == Kind::set || n.kind == Kind::frozenset;
        std::string text = valid_utf8(short_repr(doc_, id, 120));
        std::string shown = valid_utf8(label.empty() ? text : label + ": " + text);
        proto_item* it = proto_tree_add_string_format(parent, r.hf.value, tvb_, off_, len_, text.c_str(),
                                                      "%s", shown.c_str());
        proto_item_append_text(it, " [%s]", pickle::kind_name(n.kind));
        if (!container || n.items.empty()) return;
        proto_tree* sub = proto_item_add_subtree(it, r.ett.value);
        const bool mapping = n.kind == Kind::dict || n.kind == Kind::kwargs;
        if (mapping) {
            for (std::size_t i = 0; i + 1 < n.items.size(); i += 2) {
                if (res_.items >= lim_.max_items) {
                    res_.cut = true;
                    return;
                }
                add(sub, n.items[i + 1], short_repr(doc_, n.items[i], 60), depth + 1);
            }
        } else {
            char idx[24];
            for (std::size_t i = 0; i < n.items.size(); ++i) {
                if (res_.items >= lim_.max_items) {
                    res_.cut = true;
                    return;
                }
                std::snprintf(idx, sizeof idx, "[%zu]", i);
                add(sub, n.items[i], idx, depth + 1);
            }
        }
    }

    ValueTreeResult result() const { return res_; }

private:
    tvbuff_t* tvb_;
    int off_;
    int len_;
    const Document& doc_;
    const ValueTreeLimits& lim_;
    ValueTreeResult res_{};
};

} // namespace

std::string short_repr(const Document& doc, NodeId id, std::size_t max_chars) {
    ReprWriter w(max_chars);
    repr(doc, id, w, 0);
    return w.take();
}

ValueTreeResult add_value_tree(proto_tree* parent, tvbuff_t* tvb, int offset, int length,
                               const Document& doc, NodeId root, const char* label,
                               const ValueTreeLimits& limits) {
    TreeBuilder b(tvb, offset, length, doc, limits);
    b.add(parent, root, label ? label : "", 0);
    return b.result();
}

} // namespace mitokit::ws
