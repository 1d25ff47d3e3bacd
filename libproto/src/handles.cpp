#include "mitokit/handles.hpp"

#include <array>
#include <utility>

namespace mitokit {
namespace {

constexpr std::array<std::pair<std::uint32_t, std::string_view>, 13> kNames{{
    {handle::GET_MODULE, "GET_MODULE"},
    {handle::CALL_FUNCTION, "CALL_FUNCTION"},
    {handle::FORWARD_LOG, "FORWARD_LOG"},
    {handle::ADD_ROUTE, "ADD_ROUTE"},
    {handle::DEL_ROUTE, "DEL_ROUTE"},
    {handle::ALLOCATE_ID, "ALLOCATE_ID"},
    {handle::SHUTDOWN, "SHUTDOWN"},
    {handle::LOAD_MODULE, "LOAD_MODULE"},
    {handle::FORWARD_MODULE, "FORWARD_MODULE"},
    {handle::DETACHING, "DETACHING"},
    {handle::CALL_SERVICE, "CALL_SERVICE"},
    {handle::STUB_CALL_SERVICE, "STUB_CALL_SERVICE"},
    {handle::IS_DEAD, "IS_DEAD"},
}};

} // namespace

std::string_view handle_name(std::uint32_t h) noexcept {
    for (const auto& [num, name] : kNames)
        if (num == h) return name;
    return {};
}

std::optional<std::uint32_t> handle_by_name(std::string_view name) noexcept {
    for (const auto& [num, n] : kNames)
        if (n == name) return num;
    return std::nullopt;
}

} // namespace mitokit
