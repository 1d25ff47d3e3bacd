// Payloads one step away from a good one, for checking a short-path reader
// against the general decoder: every cut (all of its proper prefixes), every byte
// changed by each of `flips` (XORed in), and a byte appended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace mitokit::testing {

inline void add_near_misses(const std::vector<std::uint8_t>& good, std::initializer_list<std::uint8_t> flips,
                            std::vector<std::vector<std::uint8_t>>& out) {
    for (std::size_t n = 0; n < good.size(); ++n) out.emplace_back(good.begin(), good.begin() + static_cast<long>(n));
    for (std::size_t i = 0; i < good.size(); ++i)
        for (std::uint8_t x : flips) {
            auto changed = good;
            changed[i] ^= x;
            out.push_back(std::move(changed));
        }
    auto longer = good;
    longer.push_back('.');
    out.push_back(std::move(longer));
}

} // namespace mitokit::testing
