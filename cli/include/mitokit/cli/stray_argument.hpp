// A check for subcommands that take no positional arguments: Boost keeps a stray
// word as an option with no name, and later fails on it with a message that does
// not name the word.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

namespace mitokit::cli {

// "unexpected argument 'WORD'" for the first word no option or positional takes,
// nullopt when there is none.
inline std::optional<std::string> stray_argument(const boost::program_options::parsed_options& parsed) {
    for (const auto& o : parsed.options)
        if (o.string_key.empty() && !o.value.empty()) return "unexpected argument '" + o.value.front() + "'";
    return std::nullopt;
}

} // namespace mitokit::cli
