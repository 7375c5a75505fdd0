// Every close code the world gateway sends (docs/protocol.md, "World", "Close codes").
#pragma once

#include <cstdint>

#include "metronome/net/websocket.hpp"

namespace metronome::gateway::close_code {

inline constexpr std::uint16_t normal = net::close_code::normal;
inline constexpr std::uint16_t going_away = net::close_code::going_away;
inline constexpr std::uint16_t unsupported_data = 1003;  ///< a text frame
inline constexpr std::uint16_t replaced = 4005;          ///< a newer connection for the same sub took over
inline constexpr std::uint16_t bad_message = 4101;       ///< a malformed message (after error bad_message)
inline constexpr std::uint16_t rate_limited = 4102;      ///< over the per-connection message or byte rate
inline constexpr std::uint16_t world_full = 4103;        ///< the world refused the player's entity
inline constexpr std::uint16_t token_expired = 4104;     ///< the connection's token passed its exp (plus leeway)

}  // namespace metronome::gateway::close_code
