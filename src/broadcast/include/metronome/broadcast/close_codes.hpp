// Every WebSocket close code the tick broadcaster sends, in one place
// (docs/protocol.md "Close codes" lists the same table). The transport's
// own codes come from net::close_code; the 40xx ones are this protocol's.
#pragma once

#include <cstdint>

#include "metronome/net/websocket.hpp"

namespace metronome::broadcast::close_code {

using net::close_code::going_away;        // 1001: the server is shutting down
using net::close_code::internal_error;    // 1011
using net::close_code::normal;            // 1000: left, or the session ended (after `stopped`)
using net::close_code::policy_violation;  // 1008: repeated refused messages
using net::close_code::slow_consumer;     // 4002: send queue over its hard limit
using net::close_code::too_big;           // 1009: an incoming message over 4 KiB
using net::close_code::try_again_later;   // 1013: the session store is unavailable (after `error` store_unavailable)

inline constexpr std::uint16_t kicked = 4001;           ///< After `kicked` for latency, jitter or silence.
inline constexpr std::uint16_t join_timeout = 4003;     ///< No join within join_timeout_ms (after `error` join_timeout).
inline constexpr std::uint16_t join_refused = 4004;     ///< No such session, it has ended, or it is unreadable (after `error`).
inline constexpr std::uint16_t replaced = 4005;         ///< A newer connection of the same player took over (after `kicked` replaced).
inline constexpr std::uint16_t rejoin_cooldown = 4006;  ///< Kicked recently: joins refused for REJOIN_COOLDOWN_MS (after `error`).
inline constexpr std::uint16_t migrated = 4007;  ///< The session moved to another region (after `migrate`, or `error` session_moved).

}  // namespace metronome::broadcast::close_code
