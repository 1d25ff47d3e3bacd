// A small JSON reader for test fixtures (JSON Lines vector files). Test-only:
// the library's canonical-JSON reader is pickle/json.hpp; this one reads any JSON.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mitokit::testing {

struct Json {
    enum Type { null, boolean, number, string, array, object } type = null;
    bool b = false;
    double num = 0;
    std::string str;   // string value, or the raw text of a number
    std::vector<Json> arr;
    // Object members as parallel vectors: a pair<string, Json> would need Json complete here.
    std::vector<std::string> keys;
    std::vector<Json> vals;

    const Json& operator[](std::string_view key) const {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return vals[i];
        throw std::out_of_range("no key " + std::string(key));
    }
    bool has(std::string_view key) const {
        for (const auto& k : keys)
            if (k == key) return true;
        return false;
    }
    bool is_null() const { return type == null; }
    std::int64_t as_int() const { return std::stoll(str); }
};

class JsonReader {
public:
    static Json parse(std::string_view text) {
        JsonReader r(text);
        Json v = r.value();
        r.ws();
        if (r.pos_ != text.size()) throw std::runtime_error("trailing JSON text");
        return v;
    }

private:
    explicit JsonReader(std::string_view t) : t_(t) {}
    void ws() { while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\n' || t_[pos_] == '\t' || t_[pos_] == '\r')) ++pos_; }
    char peek() { ws(); if (pos_ >= t_.size()) throw std::runtime_error("JSON ended early"); return t_[pos_]; }
    void expect(char c) { if (peek() != c) throw std::runtime_error(std::string("expected ") + c); ++pos_; }
    static void utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) { out += char(0xc0 | (cp >> 6)); out += char(0x80 | (cp & 63)); }
        else if (cp < 0x10000) { out += char(0xe0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 63)); out += char(0x80 | (cp & 63)); }
        else { out += char(0xf0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 63)); out += char(0x80 | ((cp >> 6) & 63)); out += char(0x80 | (cp & 63)); }
    }
    std::string string_lit() {
        expect('"');
        std::string out;
        while (pos_ < t_.size() && t_[pos_] != '"') {
            char c = t_[pos_++];
            if (c != '\\') { out += c; continue; }
            char e = t_[pos_++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                std::uint32_t cp = std::stoul(std::string(t_.substr(pos_, 4)), nullptr, 16);
                pos_ += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && t_.substr(pos_, 2) == "\\u") {
                    std::uint32_t lo = std::stoul(std::string(t_.substr(pos_ + 2, 4)), nullptr, 16);
                    if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); pos_ += 6; }
                }
                utf8(out, cp);
                break;
            }
            default: out += e;
            }
        }
        ++pos_;
        return out;
    }
    Json value() {
        Json v;
        const char c = peek();
        if (c == '{') {
            v.type = Json::object; ++pos_;
            if (peek() == '}') { ++pos_; return v; }
            for (;;) {
                std::string k = string_lit();
                expect(':');
                v.keys.push_back(std::move(k));
                v.vals.push_back(value());
                if (peek() == ',') { ++pos_; continue; }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v.type = Json::array; ++pos_;
            if (peek() == ']') { ++pos_; return v; }
            for (;;) {
                v.arr.push_back(value());
                if (peek() == ',') { ++pos_; continue; }
                expect(']');
                return v;
            }
        }
        if (c == '"') { v.type = Json::string; v.str = string_lit(); return v; }
        if (t_.substr(pos_, 4) == "null") { pos_ += 4; return v; }
        if (t_.substr(pos_, 4) == "true") { pos_ += 4; v.type = Json::boolean; v.b = true; return v; }
        if (t_.substr(pos_, 5) == "false") { pos_ += 5; v.type = Json::boolean; return v; }
        const std::size_t start = pos_;
        while (pos_ < t_.size() && std::string_view("+-0123456789.eE").find(t_[pos_]) != std::string_view::npos) ++pos_;
        if (start == pos_) throw std::runtime_error("bad JSON value");
        v.type = Json::number;
        v.str = std::string(t_.substr(start, pos_ - start));
        v.num = std::stod(v.str);
        return v;
    }
    std::string_view t_;
    std::size_t pos_ = 0;
};

inline std::vector<std::uint8_t> unhex(std::string_view h) {
    std::vector<std::uint8_t> out(h.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoul(std::string(h.substr(2 * i, 2)), nullptr, 16));
    return out;
}

} // namespace mitokit::testing
