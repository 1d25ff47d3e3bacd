#include "opcodes.hpp"

#include <array>

namespace mitokit::pickle::detail {
namespace {

constexpr std::array<OpInfo, 256> make_table() {
    std::array<OpInfo, 256> t{};
    for (auto& e : t) e = OpInfo{nullptr, Arg::none, 0};
    auto set = [&t](std::uint8_t c, const char* n, Arg a, std::uint8_t p) { t[c] = OpInfo{n, a, p}; };
    set(op::MARK, "MARK", Arg::none, 0);
    set(op::STOP, "STOP", Arg::none, 0);
    set(op::POP, "POP", Arg::none, 0);
    set(op::POP_MARK, "POP_MARK", Arg::none, 1);
    set(op::DUP, "DUP", Arg::none, 0);
    set(op::FLOAT, "FLOAT", Arg::line, 0);
    set(op::INT, "INT", Arg::line, 0);
    set(op::BININT, "BININT", Arg::i4, 1);
    set(op::BININT1, "BININT1", Arg::u1, 1);
    set(op::LONG, "LONG", Arg::line, 0);
    set(op::BININT2, "BININT2", Arg::u2, 1);
    set(op::NONE, "NONE", Arg::none, 0);
    set(op::PERSID, "PERSID", Arg::line, 0);
    set(op::BINPERSID, "BINPERSID", Arg::none, 1);
    set(op::REDUCE, "REDUCE", Arg::none, 0);
    set(op::STRING, "STRING", Arg::line, 0);
    set(op::BINSTRING, "BINSTRING", Arg::bytes4, 1);
    set(op::SHORT_BINSTRING, "SHORT_BINSTRING", Arg::bytes1, 1);
    set(op::UNICODE, "UNICODE", Arg::line, 0);
    set(op::BINUNICODE, "BINUNICODE", Arg::bytes4, 1);
    set(op::APPEND, "APPEND", Arg::none, 0);
    set(op::BUILD, "BUILD", Arg::none, 0);
    set(op::GLOBAL, "GLOBAL", Arg::two_lines, 0);
    set(op::DICT, "DICT", Arg::none, 0);
    set(op::EMPTY_DICT, "EMPTY_DICT", Arg::none, 1);
    set(op::APPENDS, "APPENDS", Arg::none, 1);
    set(op::GET, "GET", Arg::line, 0);
    set(op::BINGET, "BINGET", Arg::u1, 1);
    set(op::INST, "INST", Arg::two_lines, 0);
    set(op::LONG_BINGET, "LONG_BINGET", Arg::u4, 1);
    set(op::LIST, "LIST", Arg::none, 0);
    set(op::EMPTY_LIST, "EMPTY_LIST", Arg::none, 1);
    set(op::OBJ, "OBJ", Arg::none, 1);
    set(op::PUT, "PUT", Arg::line, 0);
    set(op::BINPUT, "BINPUT", Arg::u1, 1);
    set(op::LONG_BINPUT, "LONG_BINPUT", Arg::u4, 1);
    set(op::SETITEM, "SETITEM", Arg::none, 0);
    set(op::TUPLE, "TUPLE", Arg::none, 0);
    set(op::EMPTY_TUPLE, "EMPTY_TUPLE", Arg::none, 1);
    set(op::SETITEMS, "SETITEMS", Arg::none, 1);
    set(op::BINFLOAT, "BINFLOAT", Arg::f8, 1);
    set(op::PROTO, "PROTO", Arg::u1, 2);
    set(op::NEWOBJ, "NEWOBJ", Arg::none, 2);
    set(op::EXT1, "EXT1", Arg::u1, 2);
    set(op::EXT2, "EXT2", Arg::u2, 2);
    set(op::EXT4, "EXT4", Arg::i4, 2);
    set(op::TUPLE1, "TUPLE1", Arg::none, 2);
    set(op::TUPLE2, "TUPLE2", Arg::none, 2);
    set(op::TUPLE3, "TUPLE3", Arg::none, 2);
    set(op::NEWTRUE, "NEWTRUE", Arg::none, 2);
    set(op::NEWFALSE, "NEWFALSE", Arg::none, 2);
    set(op::LONG1, "LONG1", Arg::long1, 2);
    set(op::LONG4, "LONG4", Arg::long4, 2);
    set(op::BINBYTES, "BINBYTES", Arg::bytes4, 3);
    set(op::SHORT_BINBYTES, "SHORT_BINBYTES", Arg::bytes1, 3);
    set(op::SHORT_BINUNICODE, "SHORT_BINUNICODE", Arg::bytes1, 4);
    set(op::BINUNICODE8, "BINUNICODE8", Arg::bytes8, 4);
    set(op::BINBYTES8, "BINBYTES8", Arg::bytes8, 4);
    set(op::EMPTY_SET, "EMPTY_SET", Arg::none, 4);
    set(op::ADDITEMS, "ADDITEMS", Arg::none, 4);
    set(op::FROZENSET, "FROZENSET", Arg::none, 4);
    set(op::NEWOBJ_EX, "NEWOBJ_EX", Arg::none, 4);
    set(op::STACK_GLOBAL, "STACK_GLOBAL", Arg::none, 4);
    set(op::MEMOIZE, "MEMOIZE", Arg::none, 4);
    set(op::FRAME, "FRAME", Arg::u8, 4);
    set(op::BYTEARRAY8, "BYTEARRAY8", Arg::bytes8, 5);
    set(op::NEXT_BUFFER, "NEXT_BUFFER", Arg::none, 5);
    set(op::READONLY_BUFFER, "READONLY_BUFFER", Arg::none, 5);
    return t;
}

constexpr std::array<OpInfo, 256> kTable = make_table();

} // namespace

const OpInfo& op_info(std::uint8_t code) noexcept { return kTable[code]; }

} // namespace mitokit::pickle::detail
