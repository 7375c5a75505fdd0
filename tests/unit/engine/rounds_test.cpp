#include <gtest/gtest.h>

#include <vector>

#include "metronome/engine/detail/rounds.hpp"
#include "metronome/engine/replay.hpp"
#include "metronome/engine/state.hpp"

namespace metronome::engine {
namespace {

// The reference: walk the rounds one by one, as seed 001's loop does, from the
// documented break formula.
std::vector<state> simulate(std::uint64_t seed, const rounds_rule& rule, std::int64_t steps) {
  std::vector<state> out;
  std::int64_t round = 0, last_break = -1;
  std::int64_t next_break = static_cast<std::int64_t>(rule.mean_interval) +
                            static_cast<std::int64_t>(detail::scale_to(detail::splitmix64_at(seed, 1), rule.jitter + 1ULL));
  for (std::int64_t s = 0; s < steps; ++s) {
    const bool broken = s == next_break;
    if (broken) {
      ++round;
      last_break = s;
      next_break =
          (round + 1) * rule.mean_interval + static_cast<std::int64_t>(detail::scale_to(
                                                 detail::splitmix64_at(seed, static_cast<std::uint64_t>(round + 1)), rule.jitter + 1ULL));
    }
    out.push_back(state{.phase = phase::running, .step = s, .value = s - last_break, .round = round, .broken = broken});
  }
  return out;
}

struct rounds_case {
  std::uint64_t seed;
  rounds_rule rule;
};

class rounds_random_access : public ::testing::TestWithParam<rounds_case> {};

TEST_P(rounds_random_access, matches_step_by_step_simulation) {
  const auto [seed, rule] = GetParam();
  const session_params p{.seed = seed, .start_at_ms = 0, .tick_ms = 1, .rule = rule};
  const auto expected = simulate(seed, rule, 100'000);
  for (const auto& e : expected) ASSERT_EQ(state_at_step(p, e.step), e) << "step " << e.step;
}

TEST_P(rounds_random_access, cursor_agrees_with_random_access) {
  const auto [seed, rule] = GetParam();
  const session_params p{.seed = seed, .start_at_ms = 0, .tick_ms = 1, .rule = rule};
  for (const std::int64_t from : {std::int64_t{0}, std::int64_t{123'456}, std::int64_t{1} << 40, max_time_ms - 20'000}) {
    cursor c(p, from);
    for (int i = 0; i < 20'000; ++i) {
      ASSERT_EQ(c.current(), state_at_step(p, c.current().step)) << "from " << from << " + " << i;
      c.advance();
    }
  }
}

TEST_P(rounds_random_access, for_each_break_lists_exactly_the_broken_steps) {
  const auto [seed, rule] = GetParam();
  const session_params p{.seed = seed, .start_at_ms = 0, .tick_ms = 1, .rule = rule};
  for (const std::int64_t from : {std::int64_t{0}, std::int64_t{777}, std::int64_t{1} << 41}) {
    std::vector<std::int64_t> expected, got;
    for_each_state(p, from, from + 5'000, [&](const state& s) {
      if (s.broken) expected.push_back(s.step);
    });
    for_each_break(p, from, from + 5'000, [&](const state& s) {
      EXPECT_EQ(s, state_at_step(p, s.step));
      got.push_back(s.step);
    });
    EXPECT_EQ(got, expected);
  }
}

INSTANTIATE_TEST_SUITE_P(rules, rounds_random_access,
                         ::testing::Values(rounds_case{0, rounds_rule{}}, rounds_case{UINT64_MAX, rounds_rule{}},
                                           rounds_case{987654321, rounds_rule{.mean_interval = 1, .jitter = 0}},
                                           rounds_case{42, rounds_rule{.mean_interval = 2, .jitter = 1}},
                                           rounds_case{7, rounds_rule{.mean_interval = 10, .jitter = 0}},
                                           rounds_case{0xDEADBEEF, rounds_rule{.mean_interval = 1000, .jitter = 999}}));

TEST(rounds, breaks_are_strictly_increasing_even_at_maximum_jitter) {
  const rounds_rule rule{.mean_interval = 3, .jitter = 2};
  std::int64_t prev = -1;
  for (std::int64_t r = 1; r < 1'000'000; ++r) {
    const std::int64_t b = detail::rounds_break_step(5, rule, r);
    ASSERT_GT(b, prev);
    ASSERT_GE(b, r * 3);
    ASSERT_LE(b, r * 3 + 2);
    prev = b;
  }
}

TEST(rounds, step_zero_is_round_zero_with_value_one) {
  const session_params p{.seed = 1, .start_at_ms = 1000, .tick_ms = 100};
  EXPECT_EQ(state_at(p, 1000), (state{.phase = phase::running, .step = 0, .value = 1, .round = 0, .broken = false}));
}

}  // namespace
}  // namespace metronome::engine
