#include "mitokit/pickle/value.hpp"

#include "bigint.hpp"

namespace mitokit::pickle {

const char* kind_name(Kind k) noexcept {
    switch (k) {
    case Kind::none: return "none";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::big_integer: return "int";
    case Kind::floating: return "float";
    case Kind::str: return "str";
    case Kind::bytes: return "bytes";
    case Kind::tuple: return "tuple";
    case Kind::list: return "list";
    case Kind::dict: return "dict";
    case Kind::kwargs: return "kwargs";
    case Kind::blob: return "blob";
    case Kind::secret: return "secret";
    case Kind::call_error: return "call_error";
    case Kind::context: return "context";
    case Kind::sender: return "sender";
    case Kind::set: return "set";
    case Kind::frozenset: return "frozenset";
    case Kind::bytearray: return "bytearray";
    case Kind::memoryview: return "memoryview";
    case Kind::global: return "global";
    }
    return "unknown";
}

const char* python_type_name(Kind k, std::int64_t callable) noexcept {
    switch (k) {
    case Kind::none: return "NoneType";
    case Kind::kwargs: return "Kwargs";
    case Kind::blob: return "Blob";
    case Kind::secret: return "Secret";
    case Kind::call_error: return "CallError";
    case Kind::context: return "Context";
    case Kind::sender: return "Sender";
    case Kind::global:
        switch (static_cast<Callable>(callable)) {
        case Callable::call_error: return "function";
        case Callable::context:
        case Callable::sender:
        case Callable::codecs_encode: return "method";
        default: return "type";
        }
    default: return kind_name(k);
    }
}

NodeId Document::integer_text(std::string_view decimal) {
    std::int64_t v = 0;
    if (detail::decimal_to_int64(decimal, v)) return integer(v);
    NodeId id = alloc(Kind::big_integer);
    nodes_[id].s = detail::normalize_decimal(decimal);
    return id;
}

} // namespace mitokit::pickle
