// Error handling for all of libproto: every fallible call returns Result<T>.
// libproto never throws (the Wireshark plugin and fuzzers call it from C callbacks);
// programming errors are asserts. An Error names what went wrong and the byte
// offset in the input where it was found.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace mitokit {

enum class Errc : std::uint8_t {
    truncated,        // input ended inside a frame, pickle or field
    bad_encoding,     // frame header's first field is not MI/MJ/MK (the reference drops the link)
    oversize,         // a length above the configured maximum
    bad_opcode,       // unknown or misplaced pickle opcode
    refused_global,   // GLOBAL not on mitogen's whitelist
    bad_argument,     // whitelisted constructor called with arguments the reference refuses
    bad_value,        // malformed pickle structure (stack underflow, unhashable key, ...)
    limit,            // a configured decoder limit (depth, memo, memory, output) was reached
    bad_payload,      // a payload of the wrong shape for its handle
    bad_json,         // canonical JSON text that does not describe a mitogen value
    decompress,       // zlib data that is corrupt or inflates past its cap
    unsupported,      // a value the encoder cannot write (e.g. not representable in protocol 2)
    io,               // used by callers above libproto (files, sockets)
    usage,            // used by callers above libproto (bad command-line arguments)
};

const char* errc_name(Errc c) noexcept;

struct Error {
    Errc code;
    std::string message;      // one line, names what and where
    std::uint64_t offset = 0; // byte offset in the input the error refers to
};

inline Error make_error(Errc c, std::string msg, std::uint64_t offset = 0) {
    return Error{c, std::move(msg), offset};
}

// A value or an Error. Kept minimal because std::expected is not usable with clang-14.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : err_(std::move(e)), ok_(false) {}
    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const& { return err_; }
    Error&& error() && { return std::move(err_); }

private:
    Error err_{Errc::bad_value, {}, 0};
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace mitokit
