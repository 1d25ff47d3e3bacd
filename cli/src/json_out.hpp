// Small JSON writing helpers for the CLI's one-object-per-line output.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mitokit::cli {

// Appends `s` as a JSON string in the canonical style (value-json.md): printable ASCII
// is kept, other code points are \uXXXX escapes (surrogate pairs above U+FFFF); bytes that are not UTF-8 become U+FFFD.
void json_string(std::string& out, std::string_view s);
void hex_append(std::string& out, std::span<const std::uint8_t> bytes);

// Builds {"k":v,...} incrementally.
class JsonObject {
public:
    explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
    JsonObject& str(std::string_view key, std::string_view v);
    JsonObject& num(std::string_view key, std::int64_t v);
    JsonObject& unum(std::string_view key, std::uint64_t v);
    JsonObject& boolean(std::string_view key, bool v);
    JsonObject& null(std::string_view key);
    JsonObject& raw(std::string_view key, std::string_view json); // already JSON
    std::string& key(std::string_view key);                        // for nested writers
    void close() { out_ += '}'; }

private:
    std::string& out_;
    bool first_ = true;
};

} // namespace mitokit::cli
