// Reads canonical JSON back into a Document, building values the way
// value_json.py's from_json does (dict() semantics for pairs, Kwargs() decoding
// bytes keys, Context dropping an empty name), so that encode() of the result is
// byte-identical to pickle.dumps(from_json(text), protocol=2).
#include <cmath>
#include <limits>
#include <string>

#include "base64.hpp"
#include "bigint.hpp"
#include "callables.hpp"
#include "keys.hpp"
#include "mitokit/pickle/json.hpp"
#include "pynumber.hpp"
#include "pyrepr.hpp"
#include "text.hpp"

namespace mitokit::pickle {
namespace {

class Reader {
public:
    Reader(std::string_view text, Document& doc, std::size_t max_depth) : t_(text), doc_(doc), max_depth_(max_depth) {}
    ~Reader() { keys_.reset(doc_); }

private:
    Error err(std::string what) const {
        return make_error(Errc::bad_json, what + " at offset " + std::to_string(p_), p_);
    }
    void ws() {
        while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) ++p_;
    }
    bool lit(std::string_view w) {
        if (t_.substr(p_, w.size()) != w) return false;
        p_ += w.size();
        return true;
    }

    // A raw JSON value, before any tag is interpreted.
    struct Raw {
        enum class T { null, boolean, integer, number, string, array, object } t = T::null;
        bool b = false;
        std::string s;      // string, or the number's text
        std::vector<Raw> a; // array elements, or [key-string, value] of the one object member
    };

    Status raw(Raw& r, std::size_t depth) {
        if (depth > max_depth_) return err("JSON nests deeper than max_depth=" + std::to_string(max_depth_));
        ws();
        if (p_ >= t_.size()) return err("expected a value, found the end of the text");
        const char c = t_[p_];
        if (c == '"') {
            r.t = Raw::T::string;
            return string(r.s);
        }
        if (c == '[') {
            ++p_;
            r.t = Raw::T::array;
            ws();
            if (p_ < t_.size() && t_[p_] == ']') {
                ++p_;
                return {};
            }
            while (true) {
                r.a.emplace_back();
                if (auto st = raw(r.a.back(), depth + 1); !st) return st;
                ws();
                if (p_ < t_.size() && t_[p_] == ',') { ++p_; continue; }
                if (p_ < t_.size() && t_[p_] == ']') { ++p_; return {}; }
                return err("expected ',' or ']'");
            }
        }
        if (c == '{') {
            ++p_;
            r.t = Raw::T::object;
            ws();
            if (p_ >= t_.size() || t_[p_] != '"') return err("expected a tag such as \"tuple\"");
            r.a.emplace_back();
            r.a[0].t = Raw::T::string;
            if (auto st = string(r.a[0].s); !st) return st;
            ws();
            if (p_ >= t_.size() || t_[p_] != ':') return err("expected ':'");
            ++p_;
            r.a.emplace_back();
            if (auto st = raw(r.a[1], depth + 1); !st) return st;
            ws();
            if (p_ < t_.size() && t_[p_] == ',') return err("a tagged object has exactly one member");
            if (p_ >= t_.size() || t_[p_] != '}') return err("expected '}'");
            ++p_;
            return {};
        }
        if (lit("null")) { r.t = Raw::T::null; return {}; }
        if (lit("true")) { r.t = Raw::T::boolean; r.b = true; return {}; }
        if (lit("false")) { r.t = Raw::T::boolean; return {}; }
        if (lit("NaN")) { r.t = Raw::T::number; r.s = "nan"; return {}; }
        if (lit("Infinity")) { r.t = Raw::T::number; r.s = "inf"; return {}; }
        if (lit("-Infinity")) { r.t = Raw::T::number; r.s = "-inf"; return {}; }
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        const std::size_t start = p_;
        bool is_float = false;
        if (t_[p_] == '-') ++p_;
        auto digits = [&] {
            const std::size_t b = p_;
            while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
            return p_ - b;
        };
        if (p_ < t_.size() && t_[p_] == '0') ++p_;
        else if (digits() == 0) { p_ = start; return err("expected a value"); }
        if (p_ < t_.size() && t_[p_] == '.') {
            ++p_;
            is_float = true;
            if (digits() == 0) return err("expected digits after '.'");
        }
        if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
            ++p_;
            is_float = true;
            if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
            if (digits() == 0) return err("expected digits in the exponent");
        }
        r.t = is_float ? Raw::T::number : Raw::T::integer;
        r.s.assign(t_.substr(start, p_ - start));
        return {};
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool hex4(std::uint32_t& v) {
        if (p_ + 4 > t_.size()) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const int h = hex(t_[p_ + static_cast<std::size_t>(k)]);
            if (h < 0) return false;
            v = v << 4 | static_cast<std::uint32_t>(h);
        }
        p_ += 4;
        return true;
    }

    Status string(std::string& out) {
        ++p_; // opening quote
        out.clear();
        while (true) {
            if (p_ >= t_.size()) return err("unterminated string");
            const auto c = static_cast<unsigned char>(t_[p_]);
            if (c == '"') { ++p_; return {}; }
            if (c < 0x20) return err("invalid control character in a string");
            if (c == '\\') {
                ++p_;
                if (p_ >= t_.size()) return err("unterminated string");
                const char e = t_[p_++];
                switch (e) {
                case '"': out.push_back('"'); break;
                case '\\': out.push_back('\\'); break;
                case '/': out.push_back('/'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) return err("invalid \\uXXXX escape");
                    // A high surrogate followed by an escaped low one is one code point (json.loads does this).
                    if (cp >= 0xd800 && cp <= 0xdbff && t_.substr(p_, 2) == "\\u") {
                        const std::size_t save = p_;
                        p_ += 2;
                        std::uint32_t lo = 0;
                        if (hex4(lo) && lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        else p_ = save;
                    }
                    detail::append_utf8(out, cp);
                    break;
                }
                default: return err("invalid escape in a string");
                }
                continue;
            }
            // A run of plain characters, checked as UTF-8.
            const std::size_t b = p_;
            while (p_ < t_.size() && t_[p_] != '"' && t_[p_] != '\\' && static_cast<unsigned char>(t_[p_]) >= 0x20) ++p_;
            std::size_t bad = 0;
            const char* why = nullptr;
            if (!detail::utf8_check(t_.substr(b, p_ - b), false, bad, why)) {
                p_ = b + bad;
                return err(std::string("text is not UTF-8 (") + why + ")");
            }
            out.append(t_.substr(b, p_ - b));
        }
    }

    Result<NodeId> number(const Raw& r) {
        if (r.t == Raw::T::integer) {
            if (r.s.size() > detail::kMaxStrDigits + 1) return err("Exceeds the limit (4300 digits) for integer string conversion");
            return doc_.integer_text(r.s);
        }
        double v = 0;
        if (detail::parse_float(r.s, v) == detail::ParseFloat::invalid) return err("bad number " + r.s);
        if (detail::parse_float(r.s, v) == detail::ParseFloat::overflow) v = r.s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return doc_.floating(v);
    }

    Result<NodeId> pairs(const Raw& x, bool kwargs) {
        if (x.t != Raw::T::array) return err("expected a list of [key,value] pairs");
        const NodeId d = doc_.alloc(Kind::dict);
        for (const Raw& pr : x.a) {
            if (pr.t != Raw::T::array || pr.a.size() != 2) return err("expected a [key,value] pair");
            auto k = build(pr.a[0]);
            if (!k) return k;
            auto v = build(pr.a[1]);
            if (!v) return v;
            if (const char* t = detail::unhashable_type(doc_, *k)) return err(std::string("unhashable type: '") + t + "' as a key");
            keys_.set_item(doc_, d, *k, *v);
        }
        if (!kwargs) return d;
        std::size_t budget = SIZE_MAX;
        detail::CallEnv env{doc_, keys_, budget, nullptr};
        const NodeId args[1] = {d};
        auto r = detail::call(env, Callable::kwargs, args);
        if (!r) return err(r.error().message);
        return r;
    }

    // str() (top) or repr() of what json.loads made of `r`: None, True, 5, 1.5, 'text',
    // [..., ...], {'key': ...}.
    Status json_str(const Raw& r, std::string& out, bool top) {
        switch (r.t) {
        case Raw::T::string:
            if (top) out += r.s;
            else detail::repr_str(r.s, out);
            return {};
        case Raw::T::array:
            out += '[';
            for (std::size_t i = 0; i < r.a.size(); ++i) {
                if (i) out += ", ";
                if (auto st = json_str(r.a[i], out, false); !st) return st;
            }
            out += ']';
            return {};
        case Raw::T::object:
            out += '{';
            detail::repr_str(r.a[0].s, out);
            out += ": ";
            if (auto st = json_str(r.a[1], out, false); !st) return st;
            out += '}';
            return {};
        default: {
            auto v = build(r); // a number, a bool or null: its str() is its repr()
            if (!v) return std::move(v).error();
            std::string text;
            detail::py_str(doc_, *v, text);
            out += text;
            return {};
        }
        }
    }

    Result<NodeId> build(const Raw& r) {
        switch (r.t) {
        case Raw::T::null: return doc_.none();
        case Raw::T::boolean: return doc_.boolean(r.b);
        case Raw::T::integer:
        case Raw::T::number: return number(r);
        case Raw::T::string: return doc_.str(r.s);
        case Raw::T::array: {
            std::vector<NodeId> items;
            items.reserve(r.a.size());
            for (const Raw& e : r.a) {
                auto v = build(e);
                if (!v) return v;
                items.push_back(*v);
            }
            return doc_.seq(Kind::list, std::move(items));
        }
        case Raw::T::object: break;
        }
        const std::string& tag = r.a[0].s;
        const Raw& x = r.a[1];
        if (tag == "int") {
            if (x.t == Raw::T::integer) return number(x);
            if (x.t != Raw::T::string) return err("{\"int\":...} needs a decimal string");
            detail::IntText v;
            const auto res = detail::parse_int(x.s, 10, v);
            if (res == detail::ParseInt::too_many_digits) return err("Exceeds the limit (4300 digits) for integer string conversion");
            if (res != detail::ParseInt::ok) return err("invalid literal for int() with base 10: '" + x.s + "'");
            return v.big ? doc_.integer_text(v.decimal) : doc_.integer(v.small);
        }
        if (tag == "float") {
            // float(x) of what json.loads made: a number (1e400 is already inf) or a str.
            if (x.t == Raw::T::integer || x.t == Raw::T::number) {
                double v = 0;
                if (!detail::parse_python_float(x.s, v)) return err("bad float " + x.s);
                return doc_.floating(v);
            }
            if (x.t != Raw::T::string) return err("{\"float\":...} needs a string");
            double v = 0;
            if (!detail::parse_python_float(x.s, v)) return err("could not convert string to float: '" + x.s + "'");
            return doc_.floating(v);
        }
        if (tag == "bytes" || tag == "blob") {
            if (x.t != Raw::T::string) return err("{\"" + tag + "\":...} needs a base64 string");
            std::string data, why;
            if (!detail::base64_decode(x.s, data, why)) return err(why);
            return doc_.text(tag == "bytes" ? Kind::bytes : Kind::blob, data);
        }
        if (tag == "secret") {
            // from_json calls Secret() on what json.loads made, not on a built value:
            // {"secret":[1,{"int":"5"}]} is "[1, {'int': '5'}]".
            if (x.t == Raw::T::string) return doc_.secret(x.s);
            std::string text;
            if (auto st = json_str(x, text, true); !st) return st.error();
            return doc_.secret(text);
        }
        if (tag == "call_error") {
            if (x.t != Raw::T::string) return err("{\"call_error\":...} needs a string");
            return doc_.call_error(x.s);
        }
        if (tag == "tuple") {
            if (x.t != Raw::T::array) return err("{\"tuple\":...} needs a list");
            std::vector<NodeId> items;
            for (const Raw& e : x.a) {
                auto v = build(e);
                if (!v) return v;
                items.push_back(*v);
            }
            return doc_.seq(Kind::tuple, std::move(items));
        }
        if (tag == "dict" || tag == "kwargs") return pairs(x, tag == "kwargs");
        if (tag == "context" || tag == "sender") {
            if (x.t != Raw::T::array || x.a.size() != 2) return err("{\"" + tag + "\":...} needs a list of two");
            std::int64_t id = 0;
            if (x.a[0].t != Raw::T::integer || !detail::decimal_to_int64(x.a[0].s, id)) return err("a " + tag + " id must be a 64-bit integer");
            if (tag == "sender") {
                std::int64_t h = 0;
                if (x.a[1].t != Raw::T::integer || !detail::decimal_to_int64(x.a[1].s, h)) return err("a sender handle must be a 64-bit integer");
                return doc_.sender(id, h);
            }
            if (x.a[1].t == Raw::T::null) return doc_.context(id, nullptr);
            if (x.a[1].t != Raw::T::string) return err("a context name must be a string or null");
            // Context.__init__ keeps a name only if it is truthy.
            return doc_.context(id, x.a[1].s.empty() ? nullptr : &x.a[1].s);
        }
        return err("unknown tag '" + tag + "'");
    }

public:
    Result<NodeId> parse() {
        Raw r;
        if (auto st = raw(r, 0); !st) return Error(std::move(st).error());
        ws();
        if (p_ != t_.size()) return err("extra data after the value");
        return build(r);
    }

private:
    std::string_view t_;
    Document& doc_;
    std::size_t max_depth_;
    std::size_t p_ = 0;
    detail::KeyIndex keys_;
};

} // namespace

Result<NodeId> from_json(std::string_view text, Document& doc, std::size_t max_depth) {
    Reader r(text, doc, max_depth);
    return r.parse();
}

} // namespace mitokit::pickle
