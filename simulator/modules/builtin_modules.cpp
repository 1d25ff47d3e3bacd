#include "builtin_modules.hpp"

#include <algorithm>
#include <iterator>

namespace mitokit::modules {
namespace {

const char* const BUILTINS[] = {
    "_abc", "_ast", "_bisect", "_blake2", "_codecs", "_collections", "_csv", "_datetime",
    "_elementtree", "_functools", "_heapq", "_imp", "_io", "_locale", "_md5", "_opcode", "_operator",
    "_pickle", "_posixsubprocess", "_random", "_sha1", "_sha256", "_sha3", "_sha512", "_signal",
    "_socket", "_sre", "_stat", "_statistics", "_string", "_struct", "_symtable", "_thread",
    "_tokenize", "_tracemalloc", "_warnings", "_weakref", "array", "atexit", "binascii", "builtins",
    "cmath", "errno", "faulthandler", "fcntl", "gc", "grp", "itertools", "marshal", "math", "posix",
    "pwd", "pyexpat", "select", "spwd", "sys", "syslog", "time", "unicodedata", "xxsubtype", "zlib"
};

} // namespace

bool is_builtin_module(std::string_view name) {
    return std::any_of(std::begin(BUILTINS), std::end(BUILTINS), [&](const char* b) { return name == b; });
}

} // namespace mitokit::modules
