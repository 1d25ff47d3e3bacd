#include "mitokit/result.hpp"

namespace mitokit {

const char* errc_name(Errc c) noexcept {
    switch (c) {
    case Errc::truncated: return "truncated";
    case Errc::bad_encoding: return "bad_encoding";
    case Errc::oversize: return "oversize";
    case Errc::bad_opcode: return "bad_opcode";
    case Errc::refused_global: return "refused_global";
    case Errc::bad_argument: return "bad_argument";
    case Errc::bad_value: return "bad_value";
    case Errc::limit: return "limit";
    case Errc::bad_payload: return "bad_payload";
    case Errc::bad_json: return "bad_json";
    case Errc::decompress: return "decompress";
    case Errc::unsupported: return "unsupported";
    case Errc::io: return "io";
    case Errc::usage: return "usage";
    }
    return "unknown";
}

} // namespace mitokit
