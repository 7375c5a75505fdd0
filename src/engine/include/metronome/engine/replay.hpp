// Walking a range of consecutive steps: replays, and tick loops that advance
// one step at a time without paying for random access on every step.
#pragma once

#include <cstdint>

#include "metronome/engine/params.hpp"
#include "metronome/engine/state.hpp"

namespace metronome::engine {

/// A position on the timeline that advances one step in O(1) amortized.
/// Invariant: current() == state_at_step(params, current().step).
class cursor {
 public:
  cursor(const session_params& params, std::int64_t step) noexcept;

  const state& current() const noexcept { return state_; }

  /// Moves to the next step.
  void advance() noexcept;

  /// Moves to the first break step in (step, up_to], or to up_to when there is
  /// none. O(1) for rounds; O(up_to - step) at worst for lcg-counter.
  void advance_to_next_break(std::int64_t up_to) noexcept;

 private:
  session_params params_;
  state state_;
  std::int64_t next_break_ = 0;  ///< rounds: step of the next break after current (unused for lcg-counter).
};

/// Largest number of steps a replay may cover in one call (CLI and HTTP).
inline constexpr std::int64_t max_replay_steps = 10'000'000;

/// Calls fn(const state&) for every step in [from, to] (0 <= from <= to).
template <class Fn>
void for_each_state(const session_params& params, std::int64_t from, std::int64_t to, Fn&& fn) {
  cursor c(params, from);
  for (;;) {
    fn(c.current());
    if (c.current().step >= to) break;
    c.advance();
  }
}

/// Calls fn(const state&) for every break step in [from, to].
/// rounds: O(number of breaks + 1); lcg-counter: O(to - from).
template <class Fn>
void for_each_break(const session_params& params, std::int64_t from, std::int64_t to, Fn&& fn) {
  cursor c(params, from);
  if (c.current().broken) fn(c.current());
  while (c.current().step < to) {
    c.advance_to_next_break(to);
    if (c.current().broken) fn(c.current());
  }
}

}  // namespace metronome::engine
