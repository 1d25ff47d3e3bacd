// The standard mitogen handles (protocol-notes §2) and their names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mitokit {

namespace handle {
inline constexpr std::uint32_t GET_MODULE = 100;
inline constexpr std::uint32_t CALL_FUNCTION = 101;
inline constexpr std::uint32_t FORWARD_LOG = 102;
inline constexpr std::uint32_t ADD_ROUTE = 103;
inline constexpr std::uint32_t DEL_ROUTE = 104;
inline constexpr std::uint32_t ALLOCATE_ID = 105;
inline constexpr std::uint32_t SHUTDOWN = 106;
inline constexpr std::uint32_t LOAD_MODULE = 107;
inline constexpr std::uint32_t FORWARD_MODULE = 108;
inline constexpr std::uint32_t DETACHING = 109;
inline constexpr std::uint32_t CALL_SERVICE = 110;
inline constexpr std::uint32_t STUB_CALL_SERVICE = 111;
inline constexpr std::uint32_t IS_DEAD = 999;
// Dynamic (reply) handles are allocated per router from here upward, never reused.
inline constexpr std::uint32_t FIRST_DYNAMIC = 1000;
} // namespace handle

// "GET_MODULE" for 100, "IS_DEAD" for 999, empty for anything else.
std::string_view handle_name(std::uint32_t h) noexcept;
// Inverse of handle_name.
std::optional<std::uint32_t> handle_by_name(std::string_view name) noexcept;

} // namespace mitokit
