// Option parsing every subcommand shares: no guessing (a stray word would
// otherwise be "option '' is ambiguous", and an abbreviation a silent match), no
// stray word, no negative value for an unsigned option.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

#include "mitokit/cli/unsigned_options.hpp"

namespace mitokit::cli {

// "unexpected argument 'WORD'" for the first word no option or positional takes,
// nullopt when there is none.
inline std::optional<std::string> stray_argument(const boost::program_options::parsed_options& parsed) {
    for (const auto& o : parsed.options)
        if (o.string_key.empty() && !o.value.empty()) return "unexpected argument '" + o.value.front() + "'";
    return std::nullopt;
}

// Runs `parser` with those rules; a broken one throws po::error, as Boost's own do.
inline boost::program_options::parsed_options parse_strictly(boost::program_options::command_line_parser parser) {
    namespace po = boost::program_options;
    auto parsed = parser.style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing).run();
    if (auto stray = stray_argument(parsed)) throw po::error(*stray);
    if (auto negative = negative_unsigned_option(parsed)) throw po::error(*negative);
    return parsed;
}

} // namespace mitokit::cli
