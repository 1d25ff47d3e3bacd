// A check every subcommand's option parsing runs: Boost's lexical_cast reads "-1"
// into an unsigned option as its two's complement (4294967295 for 32 bits), so a
// negative count or limit would silently become a huge one. Options declared with
// an unsigned type must therefore not be given a value with a leading '-'.
#pragma once

#include <boost/program_options.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mitokit::cli {

inline bool is_unsigned_option(const boost::program_options::value_semantic* s) {
    namespace po = boost::program_options;
    return dynamic_cast<const po::typed_value<unsigned short>*>(s) || dynamic_cast<const po::typed_value<unsigned>*>(s) ||
           dynamic_cast<const po::typed_value<unsigned long>*>(s) ||
           dynamic_cast<const po::typed_value<unsigned long long>*>(s);
}

// "--NAME must not be negative, got 'VALUE'" for the first unsigned option given a
// negative value, nullopt when there is none.
inline std::optional<std::string> negative_unsigned_option(const boost::program_options::parsed_options& parsed) {
    if (!parsed.description) return std::nullopt;
    for (const auto& o : parsed.options) {
        const auto* d = parsed.description->find_nothrow(o.string_key, false);
        if (!d || !is_unsigned_option(d->semantic().get())) continue;
        for (const auto& v : o.value) {
            const auto first = v.find_first_not_of(" \t");
            if (first != std::string::npos && v[first] == '-')
                return "--" + o.string_key + " must not be negative, got '" + v + "'";
        }
    }
    return std::nullopt;
}

} // namespace mitokit::cli
