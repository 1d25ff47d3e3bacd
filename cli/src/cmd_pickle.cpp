// mitokit pickle json|encode|dis: the pickle codec on files.
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "input.hpp"
#include "mitokit/pickle/decoder.hpp"
#include "mitokit/pickle/disassembler.hpp"
#include "mitokit/pickle/encoder.hpp"
#include "mitokit/pickle/json.hpp"
#include "options.hpp"

namespace mitokit::cli {
namespace {

constexpr std::string_view kActions =
    "actions:\n"
    "  json    canonical JSON of each pickle in the input, one line each\n"
    "  encode  canonical JSON in (one value per line), protocol-2 pickle bytes out\n"
    "  dis     opcode listing of each pickle in the input\n";

// The input of `json` and `dis`: FILE|- read whole, refused when empty. On failure
// the error is reported and its exit code returned.
std::optional<int> read_pickles(const CommandArgs& a, const std::string& input, std::vector<std::uint8_t>& bytes,
                                std::string& name) {
    auto r = read_whole(input);
    if (!r) return input_error(a.name, r.error().message);
    name = input == "-" ? "<stdin>" : input;
    if (r->empty()) return input_error(a.name, name + ": no pickle in the input");
    bytes = std::move(*r);
    return std::nullopt;
}

std::string at_offset(const std::string& name, const Error& e) {
    return name + ": offset " + std::to_string(e.offset) + ": " + e.message;
}

int pickle_json(const CommandArgs& a) {
    CommandSpec spec;
    spec.usage = "mitokit pickle json [options] FILE|-";
    spec.description = "Prints the canonical JSON (shared/value-json.md) of each pickle in FILE, one per line.\n"
                       "Pickles may follow each other back to back, as in 0.3.39+ payloads. With --first,\n"
                       "only the first pickle is read, as mitogen 0.3.3's Message.unpickle reads an MI\n"
                       "payload; a note on stderr counts the bytes after it, which are not read.";
    std::string input;
    std::size_t max_output = pickle::Limits{}.max_output;
    spec.options.add_options()
        ("max-output", po::value(&max_output)->default_value(max_output), "longest JSON printed for one pickle (bytes)")
        ("first", "read the first pickle only and ignore what follows it (0.3.3 MI payloads)")
        ("input", po::value(&input)->required(), "FILE or - (positional)");
    spec.positional.add("input", 1);
    auto p = parse_command_line(a, spec);
    if (p.exit_now) return *p.exit_now;

    std::vector<std::uint8_t> bytes;
    std::string name;
    if (auto rc = read_pickles(a, input, bytes, name)) return *rc;
    pickle::Document doc;
    std::size_t used = bytes.size();
    if (p.vm.count("first")) {
        auto first = pickle::decode_first(bytes, doc);
        if (!first) return input_error(a.name, at_offset(name, first.error()));
        used = *first;
    } else if (const auto st = pickle::decode(bytes, doc); !st) {
        return input_error(a.name, at_offset(name, st.error()));
    }
    if (used < bytes.size())
        std::fprintf(stderr, "mitokit %s: note: %s: %zu trailing bytes after the pickle (from offset %zu) ignored, as mitogen 0.3.3 does\n",
                     a.name.c_str(), name.c_str(), bytes.size() - used, used);
    std::string out;
    for (auto root : doc.roots()) {
        const auto js = pickle::to_json(doc, root, out, max_output);
        if (!js) {
            write_stdout(out);
            return input_error(a.name, name + ": " + js.error().message);
        }
        out += '\n';
    }
    write_stdout(out);
    return EXIT_OK;
}

int pickle_encode(const CommandArgs& a) {
    CommandSpec spec;
    spec.usage = "mitokit pickle encode [options] FILE|-";
    spec.description = "Reads canonical JSON, one value per line (blank lines are skipped), and writes each\n"
                       "value's protocol-2 pickle to standard output, byte-identical to CPython's\n"
                       "pickle.dumps(v, protocol=2).";
    std::string input;
    spec.options.add_options()
        ("upstream", "write a top-level bytes value as mitogen 0.3.39+ does (PROTO 2, BINSTRING, STOP)")
        ("input", po::value(&input)->required(), "FILE or - (positional)");
    spec.positional.add("input", 1);
    auto p = parse_command_line(a, spec);
    if (p.exit_now) return *p.exit_now;

    auto bytes = read_whole(input);
    if (!bytes) return input_error(a.name, bytes.error().message);
    const std::string name = input == "-" ? "<stdin>" : input;
    const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    pickle::EncodeOptions eopt;
    eopt.upstream_top_bytes = p.vm.count("upstream") != 0;
    std::vector<std::uint8_t> out;
    std::size_t line_no = 0, values = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        pickle::Document doc;
        const auto root = pickle::from_json(line, doc);
        const std::string where = name + ":" + std::to_string(line_no);
        if (!root)
            return input_error(a.name, where + ": column " + std::to_string(root.error().offset + 1) + ": " +
                                           root.error().message);
        const auto st = pickle::encode(doc, *root, out, eopt);
        if (!st) return input_error(a.name, where + ": " + st.error().message);
        ++values;
    }
    if (values == 0) return input_error(a.name, name + ": no JSON value in the input");
    std::fwrite(out.data(), 1, out.size(), stdout);
    return EXIT_OK;
}

int pickle_dis(const CommandArgs& a) {
    CommandSpec spec;
    spec.usage = "mitokit pickle dis [options] FILE|-";
    spec.description = "Lists the opcodes of each pickle in FILE, as Python's pickletools.dis does.";
    std::string input;
    spec.options.add_options()("input", po::value(&input)->required(), "FILE or - (positional)");
    spec.positional.add("input", 1);
    auto p = parse_command_line(a, spec);
    if (p.exit_now) return *p.exit_now;

    std::vector<std::uint8_t> bytes;
    std::string name;
    if (auto rc = read_pickles(a, input, bytes, name)) return *rc;
    std::string out;
    const auto st = pickle::disassemble(bytes, out);
    write_stdout(out);
    if (!st) return input_error(a.name, at_offset(name, st.error()));
    return EXIT_OK;
}

} // namespace

int cmd_pickle(const CommandArgs& a) {
    if (a.args.empty() || a.args[0] == "--help" || a.args[0] == "-h") {
        std::FILE* to = a.args.empty() ? stderr : stdout;
        std::fprintf(to, "usage: mitokit pickle <action> [options] FILE|-\n\n%.*s\n"
                         "Run 'mitokit pickle <action> --help' for an action's options.\n",
                     static_cast<int>(kActions.size()), kActions.data());
        return a.args.empty() ? EXIT_USAGE : EXIT_OK;
    }
    CommandArgs sub;
    sub.name = a.name + " " + a.args[0];
    sub.args.assign(a.args.begin() + 1, a.args.end());
    if (a.args[0] == "json") return pickle_json(sub);
    if (a.args[0] == "encode") return pickle_encode(sub);
    if (a.args[0] == "dis") return pickle_dis(sub);
    return usage_error(a.name, "unknown action '" + a.args[0] + "' (json, encode or dis)");
}

} // namespace mitokit::cli
