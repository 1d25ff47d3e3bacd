// Chooses a payload's parser from its header, as the receivers would read it.
#include "mitokit/handles.hpp"
#include "mitokit/payloads.hpp"
#include "shape.hpp"

namespace mitokit::payload {

namespace {

template <class T>
Result<Typed> lift(Result<T>&& r) {
    if (!r) return std::move(r).error();
    return Typed(std::move(*r));
}

Result<Typed> pickled(Bytes data, const pickle::DecodeOptions& opt, Encoding enc) {
    Pickled p;
    auto trailing = decode_pickles(data, p.doc, enc, opt);
    if (!trailing) return std::move(trailing).error();
    p.trailing_bytes = *trailing;
    return Typed(std::move(p));
}

Result<Typed> empty(std::uint32_t handle, Bytes data) {
    if (auto st = check_empty(handle, data); !st) return std::move(st).error();
    return Typed(Raw{});
}

} // namespace

Result<Typed> parse_any(const Header& h, Bytes data, const pickle::DecodeOptions& opt) {
    if (h.is_dead()) return lift(parse_dead(data));
    if (h.enc == Encoding::binary) return Typed(Raw{{data.begin(), data.end()}});
    if (h.enc == Encoding::pickle) {
        switch (h.handle) {
        case handle::CALL_FUNCTION: return lift(parse_call_function(data, opt, h.enc));
        case handle::LOAD_MODULE: return lift(parse_load_module(data, opt, h.enc));
        case handle::CALL_SERVICE: return lift(parse_call_service(data, opt, h.enc));
        default: return pickled(data, opt, h.enc);
        }
    }
    switch (h.handle) { // MI: raw or one pickle, by handle, as 0.3.3
    case handle::GET_MODULE: return lift(parse_get_module(data));
    case handle::CALL_FUNCTION: return lift(parse_call_function(data, opt, h.enc));
    case handle::FORWARD_LOG: return lift(parse_forward_log(data));
    case handle::ADD_ROUTE:
    case handle::DEL_ROUTE: return lift(parse_route(h.handle, data));
    case handle::ALLOCATE_ID:
    case handle::SHUTDOWN:
    case handle::DETACHING: return empty(h.handle, data);
    case handle::LOAD_MODULE: return lift(parse_load_module(data, opt, h.enc));
    case handle::FORWARD_MODULE: return lift(parse_forward_module(data));
    case handle::CALL_SERVICE: return lift(parse_call_service(data, opt, h.enc));
    default: break;
    }
    if (h.handle >= handle::FIRST_DYNAMIC) return pickled(data, opt, h.enc);
    return Typed(Raw{{data.begin(), data.end()}});
}

std::size_t trailing_bytes(const Typed& t) noexcept {
    return std::visit(
        [](const auto& v) -> std::size_t {
            if constexpr (requires { v.trailing_bytes; }) return v.trailing_bytes;
            else return 0;
        },
        t);
}

} // namespace mitokit::payload
