// The pickle opcodes CPython 3.11 knows (protocols 0-5): byte, pickletools
// name, argument form and the protocol that introduced it. Shared by the
// decoder, the encoder and the disassembler.
#pragma once

#include <cstdint>

namespace mitokit::pickle::detail {

namespace op {
inline constexpr std::uint8_t MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I',
                              BININT = 'J', BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P',
                              BINPERSID = 'Q', REDUCE = 'R', STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U',
                              UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd',
                              EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h', INST = 'i', LONG_BINGET = 'j',
                              LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q', LONG_BINPUT = 'r',
                              SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
                              PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85,
                              TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
                              BINBYTES = 'B', SHORT_BINBYTES = 'C', SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d,
                              BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, NEWOBJ_EX = 0x92,
                              STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95, BYTEARRAY8 = 0x96,
                              NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98;
} // namespace op

enum class Arg : std::uint8_t {
    none,
    u1,          // 1-byte unsigned
    u2,          // 2-byte little-endian unsigned
    i4,          // 4-byte little-endian signed
    u4,          // 4-byte little-endian unsigned
    u8,          // 8-byte little-endian unsigned (FRAME)
    f8,          // 8-byte big-endian double
    bytes1,      // u1 length + data
    bytes4,      // u4 length + data
    bytes4s,     // signed i4 length + data (BINSTRING)
    bytes8,      // u8 length + data
    long1,       // u1 length + two's complement
    long4,       // i4 length + two's complement
    line,        // text up to '\n'
    two_lines,   // module '\n' name '\n'
};

struct OpInfo {
    const char* name; // nullptr: not an opcode
    Arg arg;
    std::uint8_t proto;
};

const OpInfo& op_info(std::uint8_t code) noexcept;

} // namespace mitokit::pickle::detail
