// A listing in the manner of pickletools.dis: "%5d: %-4s " + MARK indentation
// + name, the argument as Python's repr, "(MARK at N)" on the opcode that
// closes a MARK, "(as N)" on MEMOIZE, and the highest protocol per pickle. The
// same checks as pickletools (stack and memo emulation) end the listing early.
#include "mitokit/pickle/disassembler.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include "bigint.hpp"
#include "opcodes.hpp"
#include "pynumber.hpp"
#include "pyrepr.hpp"
#include "text.hpp"

namespace mitokit::pickle {
namespace {

using detail::Arg;
namespace op = detail::op;

// How an opcode moves the (emulated) stack.
struct Effect {
    bool to_mark; // pops a MARK and everything above it
    int pops;     // then pops this many
    int pushes;
};

Effect effect(std::uint8_t c) {
    switch (c) {
    case op::MARK: return {false, 0, 0}; // handled specially
    case op::STOP: case op::POP: return {false, 1, 0};
    case op::POP_MARK: return {true, 0, 0};
    case op::DUP: return {false, 1, 2};
    case op::BINPERSID: case op::TUPLE1: case op::READONLY_BUFFER: return {false, 1, 1};
    case op::REDUCE: case op::APPEND: case op::BUILD: case op::NEWOBJ: case op::TUPLE2: case op::STACK_GLOBAL: return {false, 2, 1};
    case op::SETITEM: case op::TUPLE3: case op::NEWOBJ_EX: return {false, 3, 1};
    case op::APPENDS: case op::SETITEMS: case op::ADDITEMS: return {true, 0, 0};
    case op::DICT: case op::LIST: case op::TUPLE: case op::FROZENSET: case op::INST: case op::OBJ: return {true, 0, 1};
    case op::PUT: case op::BINPUT: case op::LONG_BINPUT: case op::MEMOIZE: case op::PROTO: case op::FRAME: return {false, 0, 0};
    default: return {false, 0, 1};
    }
}

// pickletools reads every quoted or name line as read_stringnl does:
// codecs.escape_decode, then an ASCII decode (so 'é' in a GLOBAL name or a STRING
// fails the listing, and "\x41" in a name is 'A').
bool escape_ascii(std::string_view line, std::string& out, std::string& err) {
    if (!detail::bytes_escape_decode(line, out, err)) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        if (c >= 0x80) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", c);
            err = std::string("'ascii' codec can't decode byte ") + hex + " in position " + std::to_string(i) +
                  ": ordinal not in range(128)";
            return false;
        }
    }
    return true;
}

class Lister {
public:
    Lister(std::span<const std::uint8_t> in, std::string& out, std::size_t max_output)
        : in_(in), out_(out), start_(out.size()), max_(max_output) {}

    Status run() {
        if (in_.empty()) return make_error(Errc::truncated, "no pickle: the input is empty", 0);
        while (pos_ < in_.size())
            if (auto st = one(); !st) return st;
        return {};
    }

private:
    Error fail(Errc c, std::string what, std::size_t at) const {
        return make_error(c, what + " (at offset " + std::to_string(at) + ")", at);
    }

    std::string_view rest(std::size_t n) const { return {reinterpret_cast<const char*>(in_.data() + pos_), n}; }

    // Reads the argument of `info` at pos_ and renders it as pickletools does.
    Status arg(std::uint8_t code, const detail::OpInfo& info, std::size_t at, std::string& text, std::int64_t& number) {
        auto need = [&](std::size_t n) -> Status {
            if (in_.size() - pos_ < n)
                return fail(Errc::truncated, std::string("expected ") + std::to_string(n) + " bytes for " + info.name + "'s argument, but only " +
                                                 std::to_string(in_.size() - pos_) + " remain", at);
            return {};
        };
        auto le = [&](std::size_t n) {
            std::uint64_t v = 0;
            for (std::size_t k = 0; k < n; ++k) v |= static_cast<std::uint64_t>(in_[pos_ + k]) << (8 * k);
            pos_ += n;
            return v;
        };
        auto line = [&](std::string_view& l) -> Status {
            const void* nl = std::memchr(in_.data() + pos_, '\n', in_.size() - pos_);
            if (!nl) return fail(Errc::truncated, std::string("no newline found for ") + info.name + "'s argument", at);
            const auto end = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - in_.data());
            l = rest(end - pos_);
            pos_ = end + 1;
            return {};
        };
        switch (info.arg) {
        case Arg::none: return {};
        case Arg::u1: case Arg::u2: case Arg::u4: case Arg::u8: case Arg::i4: {
            const std::size_t n = info.arg == Arg::u1 ? 1 : info.arg == Arg::u2 ? 2 : info.arg == Arg::u8 ? 8 : 4;
            if (auto st = need(n); !st) return st;
            std::uint64_t v = le(n);
            number = info.arg == Arg::i4 ? static_cast<std::int32_t>(v) : static_cast<std::int64_t>(v);
            // u8 (FRAME's length) past INT64_MAX prints unsigned, as pickletools does.
            text = info.arg == Arg::i4 ? std::to_string(number) : std::to_string(v);
            return {};
        }
        case Arg::f8: {
            if (auto st = need(8); !st) return st;
            std::uint64_t bits = 0;
            for (int k = 0; k < 8; ++k) bits = bits << 8 | in_[pos_ + static_cast<std::size_t>(k)];
            pos_ += 8;
            double d;
            std::memcpy(&d, &bits, 8);
            detail::float_repr(d, text);
            return {};
        }
        case Arg::long1: case Arg::long4: {
            const std::size_t w = info.arg == Arg::long1 ? 1 : 4;
            if (auto st = need(w); !st) return st;
            const std::int64_t n = w == 1 ? static_cast<std::int64_t>(le(1)) : static_cast<std::int32_t>(le(4));
            if (n < 0) return fail(Errc::bad_value, "LONG pickle has negative byte count", at);
            if (auto st = need(static_cast<std::size_t>(n)); !st) return st;
            if (!detail::le_to_decimal({in_.data() + pos_, static_cast<std::size_t>(n)}, text))
                return fail(Errc::limit, "integer exceeds the limit (4300 digits) for integer string conversion", at);
            pos_ += static_cast<std::size_t>(n);
            return {};
        }
        case Arg::bytes1: case Arg::bytes4: case Arg::bytes4s: case Arg::bytes8: {
            const std::size_t w = info.arg == Arg::bytes1 ? 1 : info.arg == Arg::bytes8 ? 8 : 4;
            if (auto st = need(w); !st) return st;
            const std::uint64_t n = le(w);
            if (n > in_.size() - pos_) return need(static_cast<std::size_t>(std::min<std::uint64_t>(n, SIZE_MAX)));
            const std::string_view data = rest(static_cast<std::size_t>(n));
            pos_ += static_cast<std::size_t>(n);
            if (code == op::BINUNICODE || code == op::SHORT_BINUNICODE || code == op::BINUNICODE8) {
                std::size_t bad = 0;
                const char* why = nullptr;
                if (!detail::utf8_check(data, true, bad, why)) return fail(Errc::bad_value, std::string("invalid UTF-8 in ") + info.name + ": " + why, at);
                detail::repr_str(data, text);
            } else if (code == op::BINSTRING || code == op::SHORT_BINSTRING) {
                std::string u;
                detail::latin1_to_utf8(data, u);
                detail::repr_str(u, text);
            } else if (code == op::BYTEARRAY8) {
                text = "bytearray(";
                detail::repr_bytes(data, text);
                text += ")";
            } else {
                detail::repr_bytes(data, text);
            }
            return {};
        }
        case Arg::line: {
            std::string_view l;
            if (auto st = line(l); !st) return st;
            if (code == op::INT || code == op::GET || code == op::PUT) {
                // read_decimalnl_short: "00"/"01" are False/True, memo keys too.
                if (l == "00" || l == "01") {
                    text = l == "00" ? "False" : "True";
                    number = l == "01";
                    return {};
                }
                detail::IntText v;
                if (detail::parse_int(l, 10, v) != detail::ParseInt::ok) return fail(Errc::bad_value, std::string("invalid literal for int() with base 10 in ") + info.name, at);
                text = v.big ? v.decimal : std::to_string(v.small);
                number = v.big ? -1 : v.small;
                return {};
            }
            if (code == op::LONG) {
                if (!l.empty() && l.back() == 'L') l.remove_suffix(1);
                detail::IntText v;
                if (detail::parse_int(l, 10, v) != detail::ParseInt::ok) return fail(Errc::bad_value, "invalid literal for int() with base 10 in LONG", at);
                text = v.big ? v.decimal : std::to_string(v.small);
                return {};
            }
            if (code == op::FLOAT) {
                double d = 0;
                if (!detail::parse_python_float(l, d)) return fail(Errc::bad_value, "could not convert string to float in FLOAT", at);
                detail::float_repr(d, text);
                return {};
            }
            if (code == op::UNICODE) {
                std::string u, err;
                if (!detail::raw_unicode_escape_decode(l, u, err)) return fail(Errc::bad_value, err, at);
                detail::repr_str(u, text);
                return {};
            }
            if (code == op::STRING) {
                if (l.size() < 2 || l.front() != l.back() || (l.front() != '\'' && l.front() != '"'))
                    return fail(Errc::bad_value, "no string quotes around the STRING argument", at);
                std::string b, err;
                if (!escape_ascii(l.substr(1, l.size() - 2), b, err)) return fail(Errc::bad_value, err, at);
                detail::repr_str(b, text);
                return {};
            }
            std::string u, err; // PERSID
            if (!escape_ascii(l, u, err)) return fail(Errc::bad_value, err, at);
            detail::repr_str(u, text);
            return {};
        }
        case Arg::two_lines: {
            std::string_view a, b;
            std::string module, name, err;
            if (auto st = line(a); !st) return st;
            if (!escape_ascii(a, module, err)) return fail(Errc::bad_value, err, at);
            if (auto st = line(b); !st) return st;
            if (!escape_ascii(b, name, err)) return fail(Errc::bad_value, err, at);
            detail::repr_str(module + ' ' + name, text);
            return {};
        }
        }
        return {};
    }

    Status one() {
        int maxproto = -1;
        stack_.clear();
        marks_.clear();
        while (true) {
            if (out_.size() - start_ > max_)
                return make_error(Errc::limit, "listing exceeds max_output=" + std::to_string(max_) + " bytes", pos_);
            const std::size_t at = pos_;
            if (pos_ >= in_.size()) return fail(Errc::truncated, "pickle exhausted before seeing STOP", at);
            const std::uint8_t code = in_[pos_++];
            const detail::OpInfo& info = detail::op_info(code);
            if (!info.name) {
                char buf[16];
                std::snprintf(buf, sizeof buf, "0x%02x", code);
                return fail(Errc::bad_opcode, std::string("opcode ") + buf + " unknown", at);
            }
            std::string argtext;
            std::int64_t number = 0;
            if (auto st = arg(code, info, at, argtext, number); !st) return st;
            maxproto = std::max<int>(maxproto, info.proto);

            char head[32];
            std::snprintf(head, sizeof head, "%5zu: ", at);
            std::string line = head;
            char code_text[8];
            if (code >= 0x20 && code < 0x7f) std::snprintf(code_text, sizeof code_text, "%c", code);
            else std::snprintf(code_text, sizeof code_text, "\\x%02x", code);
            std::string code_col = code_text;
            code_col.resize(std::max<std::size_t>(4, code_col.size()), ' ');
            line += code_col + " " + std::string(4 * marks_.size(), ' ') + info.name;

            const Effect fx = effect(code);
            std::string markmsg, error;
            const bool pop_mark = code == op::POP && !stack_.empty() && stack_.back();
            int numtopop = fx.pops;
            if (fx.to_mark || pop_mark) {
                if (!marks_.empty()) {
                    markmsg = "(MARK at " + std::to_string(marks_.back()) + ")";
                    marks_.pop_back();
                    while (!stack_.empty() && !stack_.back()) stack_.pop_back();
                    if (!stack_.empty()) stack_.pop_back();
                    numtopop = 0;
                } else {
                    error = markmsg = "no MARK exists on stack";
                }
            }
            if (code == op::PUT || code == op::BINPUT || code == op::LONG_BINPUT || code == op::MEMOIZE) {
                std::int64_t idx = number;
                if (code == op::MEMOIZE) {
                    idx = static_cast<std::int64_t>(memo_.size());
                    markmsg = "(as " + std::to_string(idx) + ")";
                }
                if (memo_.count(idx)) error = "memo key " + (code == op::MEMOIZE ? std::to_string(idx) : argtext) + " already defined";
                else if (stack_.empty()) error = "stack is empty -- can't store into memo";
                else if (stack_.back()) error = "can't store markobject in the memo";
                else memo_[idx] = true;
            } else if (code == op::GET || code == op::BINGET || code == op::LONG_BINGET) {
                if (!memo_.count(number)) error = "memo key " + argtext + " has never been stored into";
            }
            if (!argtext.empty() || !markmsg.empty()) {
                const std::size_t name_len = std::strlen(info.name);
                if (name_len < 10) line.append(10 - name_len, ' ');
                if (!argtext.empty()) line += " " + argtext;
                if (!markmsg.empty()) line += " " + markmsg;
            }
            out_ += line;
            out_ += '\n';
            if (!error.empty()) return fail(Errc::bad_value, error, at);
            if (static_cast<int>(stack_.size()) < numtopop)
                return fail(Errc::bad_value, "tries to pop " + std::to_string(numtopop) + " items from stack with only " +
                                                 std::to_string(stack_.size()) + " items", at);
            stack_.resize(stack_.size() - static_cast<std::size_t>(numtopop));
            if (code == op::MARK) {
                marks_.push_back(at);
                stack_.push_back(true);
            }
            for (int k = 0; k < fx.pushes; ++k) stack_.push_back(false);
            if (code == op::STOP) break;
        }
        out_ += "highest protocol among opcodes = " + std::to_string(maxproto) + "\n";
        if (!stack_.empty()) return fail(Errc::bad_value, "stack not empty after STOP", pos_);
        return {};
    }

    std::span<const std::uint8_t> in_;
    std::string& out_;
    std::size_t start_;
    std::size_t max_;
    std::size_t pos_ = 0;
    std::vector<bool> stack_; // true = a MARK
    std::vector<std::size_t> marks_;
    std::map<std::int64_t, bool> memo_;
};

} // namespace

Status disassemble(std::span<const std::uint8_t> in, std::string& out, std::size_t max_output) {
    Lister l(in, out, max_output);
    return l.run();
}

} // namespace mitokit::pickle
