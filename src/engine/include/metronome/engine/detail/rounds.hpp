// The rounds rule: break r (r >= 1) at b_r = r * mean + J_r, J_r in [0, jitter].
// b_0 = -1 is a virtual break before the first step, so that `value` counts
// steps since the last break in every round, as seed 000's counter does.
#pragma once

#include <cstdint>

#include "metronome/engine/detail/splitmix.hpp"
#include "metronome/engine/params.hpp"

namespace metronome::engine::detail {

/// J_r: SplitMix64 output r scaled to [0, jitter].
constexpr std::int64_t rounds_offset(std::uint64_t seed, const rounds_rule& rule, std::int64_t r) noexcept {
  return static_cast<std::int64_t>(scale_to(splitmix64_at(seed, static_cast<std::uint64_t>(r)), std::uint64_t{rule.jitter} + 1));
}

/// b_r, the step of break r (r >= 0; b_0 = -1).
constexpr std::int64_t rounds_break_step(std::uint64_t seed, const rounds_rule& rule, std::int64_t r) noexcept {
  if (r == 0) return -1;
  return r * std::int64_t{rule.mean_interval} + rounds_offset(seed, rule, r);
}

/// The round containing `step` (step >= 0): the largest r with b_r <= step.
/// Since r * mean <= b_r <= r * mean + mean - 1, it is q = step / mean or q - 1.
constexpr std::int64_t rounds_round_at(std::uint64_t seed, const rounds_rule& rule, std::int64_t step) noexcept {
  const std::int64_t q = step / std::int64_t{rule.mean_interval};
  if (q == 0) return 0;
  return rounds_break_step(seed, rule, q) <= step ? q : q - 1;
}

}  // namespace metronome::engine::detail
