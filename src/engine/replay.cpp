#include "metronome/engine/replay.hpp"

#include "metronome/engine/detail/lcg.hpp"
#include "metronome/engine/detail/rounds.hpp"

namespace metronome::engine {

cursor::cursor(const session_params& params, std::int64_t step) noexcept : params_(params), state_(state_at_step(params, step)) {
  if (const auto* r = std::get_if<rounds_rule>(&params_.rule)) {
    next_break_ = detail::rounds_break_step(params_.seed, *r, state_.round + 1);
  }
}

void cursor::advance() noexcept {
  ++state_.step;
  bool broken = false;
  if (const auto* r = std::get_if<rounds_rule>(&params_.rule)) {
    broken = state_.step == next_break_;
    if (broken) next_break_ = detail::rounds_break_step(params_.seed, *r, state_.round + 2);
  } else {
    broken = detail::lcg_breaks(params_.seed, std::get<lcg_counter_rule>(params_.rule).break_probability, state_.step);
  }
  state_.broken = broken;
  if (broken) {
    ++state_.round;
    state_.value = 0;
  } else {
    ++state_.value;
  }
}

void cursor::advance_to_next_break(std::int64_t up_to) noexcept {
  if (std::holds_alternative<rounds_rule>(params_.rule)) {
    const std::int64_t target = next_break_ < up_to ? next_break_ : up_to;
    if (target <= state_.step) return;
    // No break lies in (step, target): jump to target - 1, then step onto target.
    state_.value += target - 1 - state_.step;
    state_.step = target - 1;
    advance();
    return;
  }
  while (state_.step < up_to) {
    advance();
    if (state_.broken) return;
  }
}

}  // namespace metronome::engine
