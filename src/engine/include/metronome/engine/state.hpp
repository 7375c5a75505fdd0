// The state of a session at a moment: the one function everything stands on.
#pragma once

#include <cstdint>
#include <string_view>

#include "metronome/engine/params.hpp"

namespace metronome::engine {

enum class phase : std::uint8_t {
  countdown,  ///< now < start_at: the game has not begun.
  running,    ///< now >= start_at.
};

std::string_view phase_name(phase p) noexcept;

struct state {
  engine::phase phase = phase::countdown;
  std::int64_t step = 0;          ///< floor((now - start_at) / tick_ms); 0 in countdown.
  std::int64_t value = 0;         ///< Steps since the last break (0 on a break step); 0 in countdown.
  std::int64_t round = 0;         ///< Number of breaks in steps [0, step]; 0 in countdown.
  bool broken = false;            ///< True exactly on a step where a break happens.
  std::int64_t remaining_ms = 0;  ///< start_at - now in countdown, else 0.

  friend bool operator==(const state&, const state&) = default;
};

/// The state at `now_ms`. Preconditions: validate(params) and
/// validate_time("now", now_ms) passed. Cost does not grow with the step:
/// O(1) for rounds, O(log step) bounded by 32 dyadic blocks for lcg-counter.
state state_at(const session_params& params, std::int64_t now_ms) noexcept;

/// The running state at `step` (step >= 0), independent of time.
state state_at_step(const session_params& params, std::int64_t step) noexcept;

/// True when a break happens at `step` (step >= 0). Cheaper than state_at_step.
bool breaks_at(const session_params& params, std::int64_t step) noexcept;

/// When step `step` begins: start_at + step * tick_ms. Precondition:
/// step <= last_step(params), so the result stays in the time domain.
constexpr std::int64_t step_start_ms(const session_params& params, std::int64_t step) noexcept {
  return params.start_at_ms + step * params.tick_ms;
}

/// The last step that begins within the time domain (at or before
/// max_time_ms). Replays must not go past it.
constexpr std::int64_t last_step(const session_params& params) noexcept { return (max_time_ms - params.start_at_ms) / params.tick_ms; }

}  // namespace metronome::engine
