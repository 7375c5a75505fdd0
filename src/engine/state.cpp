#include "metronome/engine/state.hpp"

#include "metronome/engine/detail/lcg.hpp"
#include "metronome/engine/detail/rounds.hpp"

namespace metronome::engine {
namespace {

state rounds_state(std::uint64_t seed, const rounds_rule& rule, std::int64_t step) noexcept {
  const std::int64_t round = detail::rounds_round_at(seed, rule, step);
  const std::int64_t last_break = detail::rounds_break_step(seed, rule, round);
  return state{
      .phase = phase::running, .step = step, .value = step - last_break, .round = round, .broken = step == last_break, .remaining_ms = 0};
}

state lcg_state(std::uint64_t seed, const lcg_counter_rule& rule, std::int64_t step) noexcept {
  const std::uint32_t q = rule.break_probability;
  const std::int64_t last_break = detail::lcg_last_break(seed, q, step);
  return state{.phase = phase::running,
               .step = step,
               .value = step - last_break,
               .round = detail::lcg_count_breaks(seed, q, step),
               .broken = step == last_break,
               .remaining_ms = 0};
}

}  // namespace

std::string_view phase_name(phase p) noexcept { return p == phase::countdown ? "countdown" : "running"; }

state state_at_step(const session_params& params, std::int64_t step) noexcept {
  if (const auto* r = std::get_if<rounds_rule>(&params.rule)) return rounds_state(params.seed, *r, step);
  return lcg_state(params.seed, std::get<lcg_counter_rule>(params.rule), step);
}

bool breaks_at(const session_params& params, std::int64_t step) noexcept {
  if (const auto* r = std::get_if<rounds_rule>(&params.rule)) {
    return step == detail::rounds_break_step(params.seed, *r, detail::rounds_round_at(params.seed, *r, step));
  }
  return detail::lcg_breaks(params.seed, std::get<lcg_counter_rule>(params.rule).break_probability, step);
}

state state_at(const session_params& params, std::int64_t now_ms) noexcept {
  if (now_ms < params.start_at_ms) {
    return state{.phase = phase::countdown, .remaining_ms = params.start_at_ms - now_ms};
  }
  return state_at_step(params, (now_ms - params.start_at_ms) / params.tick_ms);
}

}  // namespace metronome::engine
