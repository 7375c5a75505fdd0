// The tick broadcaster's settings (docs/protocol.md). Seed 001's names and
// defaults; each is also an environment variable of `metronome region`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace metronome::broadcast {

struct settings {
  double max_latency_ms = 150;               ///< MAX_LATENCY_MS: mean RTT above this kicks. Default 150.
  double max_jitter_ms = 50;                 ///< MAX_JITTER_MS: jitter (std dev) above this kicks. Default 50.
  double warning_latency_ms = 100;           ///< WARNING_LATENCY_MS: mean RTT above this warns. Default 100.
  double warning_jitter_ms = 30;             ///< WARNING_JITTER_MS: jitter above this warns. Default 30.
  std::size_t latency_samples = 5;           ///< LATENCY_SAMPLES: rolling window size. Default 5.
  std::int64_t ping_interval_ms = 1000;      ///< PING_INTERVAL_MS: server ping control frames (and countdown messages). Default 1000.
  std::int64_t unresponsive_ms = 5000;       ///< UNRESPONSIVE_MS: no pong and no message at all for this long kicks. Default 5000.
  std::int64_t reconnect_grace_ms = 10'000;  ///< RECONNECT_GRACE_MS: a dropped player may resume this long. Default 10 s.
  std::int64_t rejoin_cooldown_ms =
      30'000;  ///< REJOIN_COOLDOWN_MS: after a latency or silence kick, joins are refused this long. Default 30 s.
  std::int64_t join_timeout_ms = 10'000;   ///< A connection must join within this. Default 10 s.
  std::int64_t status_poll_ms = 1000;      ///< How often a live session's status is re-read from the store. Default 1 s.
  double messages_per_second = 20;         ///< Incoming rate limit (token bucket refill). Default 20/s.
  double message_burst = 40;               ///< Token bucket size. Default 40.
  int strikes_to_close = 5;                ///< Refused messages within strike_window_ms that close with 1008. Default 5.
  std::int64_t strike_window_ms = 10'000;  ///< Default 10 s.
  /// Called on a hub's thread after a player is kicked for latency, jitter
  /// or silence (session id, user id, reason, mean RTT ms, jitter ms); must
  /// not block. Unset by default. apps/ wires the player.kicked event here.
  std::function<void(const std::string&, const std::string&, std::string_view, double, double)> on_kick;
  /// Called on a hub's thread when a server-mode session's tick is a break
  /// (session id, step, round, the step's start in ms since the epoch); must
  /// not block. Every hub with players of the session calls it for the same
  /// break. Unset by default. apps/ wires the game.break event here.
  std::function<void(const std::string&, std::int64_t, std::int64_t, std::int64_t)> on_break;
};

}  // namespace metronome::broadcast
