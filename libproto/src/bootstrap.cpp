#include "mitokit/bootstrap.hpp"

#include <zlib.h>

#include "pickle/base64.hpp"

#include <cstdio>

namespace mitokit::bootstrap {
namespace {

std::string bool_literal(bool b) { return b ? "True" : "False"; }

std::string str_list_literal(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += python_str_literal(items[i]);
    }
    return out + "]";
}

std::vector<std::uint8_t> zlib9(std::string_view in) {
    uLongf bound = compressBound(static_cast<uLong>(in.size()));
    std::vector<std::uint8_t> out(bound);
    const int rc = compress2(out.data(), &bound, reinterpret_cast<const Bytef*>(in.data()),
                             static_cast<uLong>(in.size()), 9);
    if (rc != Z_OK) return {}; // only Z_MEM_ERROR is possible with a correct bound
    out.resize(bound);
    return out;
}

} // namespace

std::string python_str_literal(std::string_view utf8) {
    std::string out = "'";
    for (unsigned char c : utf8) {
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c); // UTF-8 passes through: the source is decoded as UTF-8
        }
    }
    return out + "'";
}

std::string config_literal(const ChildConfig& cfg) {
    std::string ids = "[";
    for (std::size_t i = 0; i < cfg.parent_ids.size(); ++i) {
        if (i) ids += ", ";
        ids += std::to_string(cfg.parent_ids[i]);
    }
    ids += "]";
    return "{'parent_ids': " + ids + ", 'context_id': " + std::to_string(cfg.context_id) +
           ", 'debug': " + bool_literal(cfg.debug) + ", 'profiling': " + bool_literal(cfg.profiling) +
           ", 'unidirectional': " + bool_literal(cfg.unidirectional) +
           ", 'log_level': " + std::to_string(cfg.log_level) + ", 'whitelist': " + str_list_literal(cfg.whitelist) +
           ", 'blacklist': " + str_list_literal(cfg.blacklist) +
           ", 'max_message_size': " + std::to_string(cfg.max_message_size) + ", 'version': (" +
           std::to_string(cfg.version[0]) + ", " + std::to_string(cfg.version[1]) + ", " +
           std::to_string(cfg.version[2]) + ")}";
}

std::vector<std::uint8_t> build_preamble(std::string_view core_source, const ChildConfig& cfg) {
    std::string text(core_source);
    text += "\nExternalContext(" + config_literal(cfg) + ").main()\n";
    return zlib9(text);
}

Result<std::string> first_stage_source(std::string_view context_name, std::size_t preamble_size) {
    if (context_name.find_first_of("/\\") != std::string_view::npos)
        return make_error(Errc::bad_argument,
                          "context name '" + std::string(context_name) + "' must not contain '/' or '\\'");
    // fds 100/101 and the markers are the protocol; the rest is ours. Names are
    // one letter because the whole program travels on the command line.
    std::string s;
    s += "A,B=os.pipe()\n";
    s += "D,E=os.pipe()\n";
    s += "if os.fork():\n";
    s += " os.dup2(0,100)\n";
    s += " os.dup2(A,0)\n";
    s += " os.dup2(D,101)\n";
    s += " for f in(A,B,D,E):os.close(f)\n";
    s += " os.environ['ARGV0']=sys.executable\n";
    s += " os.execl(sys.executable,sys.executable+" + python_str_literal("(mitogen:" + std::string(context_name) + ")") + ")\n";
    s += "os.write(1,b'MITO000\\n')\n";
    s += "S=_(os.fdopen(0,'rb').read(" + std::to_string(preamble_size) + "),'zip')\n";
    s += "for f in(B,E):\n";
    s += " p=os.fdopen(f,'wb',0)\n";
    s += " p.write(S)\n";
    s += " p.close()\n";
    s += "os.write(1,b'MITO001\\n')\n";
    s += "os.close(2)\n";
    return s;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    pickle::detail::base64_encode(bytes, out);
    return out;
}

Result<std::vector<std::string>> boot_argv(std::string_view python, std::string_view context_name,
                                           std::size_t preamble_size) {
    auto stage = first_stage_source(context_name, preamble_size);
    if (!stage) return std::move(stage).error();
    const auto z = zlib9(*stage);
    const std::string b64 = base64_encode(std::string_view(reinterpret_cast<const char*>(z.data()), z.size()));
    return std::vector<std::string>{
        std::string(python), "-c",
        "import codecs,os,sys;_=codecs.decode;exec(_(_(\"" + b64 + "\".encode(),\"base64\"),\"zip\"))"};
}

} // namespace mitokit::bootstrap
