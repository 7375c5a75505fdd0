#include <gtest/gtest.h>

#include "metronome/engine/state.hpp"

namespace metronome::engine {
namespace {

const session_params params{.seed = 987654321, .start_at_ms = 1'000'000, .tick_ms = 100};

TEST(state_at, counts_down_before_start) {
  const state s = state_at(params, 997'000);
  EXPECT_EQ(s.phase, phase::countdown);
  EXPECT_EQ(s.remaining_ms, 3'000);
  EXPECT_EQ(s.step, 0);
  EXPECT_EQ(s.value, 0);
  EXPECT_FALSE(s.broken);
  EXPECT_EQ(state_at(params, 999'999).remaining_ms, 1);
}

TEST(state_at, steps_change_exactly_on_tick_boundaries) {
  EXPECT_EQ(state_at(params, 1'000'000).phase, phase::running);
  EXPECT_EQ(state_at(params, 1'000'000).step, 0);
  EXPECT_EQ(state_at(params, 1'000'099).step, 0);
  EXPECT_EQ(state_at(params, 1'000'100).step, 1);
  EXPECT_EQ(state_at(params, 1'000'000 + 100 * 12'345 - 1).step, 12'344);
  EXPECT_EQ(state_at(params, 1'000'000 + 100 * 12'345).step, 12'345);
}

TEST(state_at, time_and_step_forms_agree) {
  for (std::int64_t step = 0; step < 5'000; step += 7) {
    EXPECT_EQ(state_at(params, step_start_ms(params, step) + 50), state_at_step(params, step));
  }
}

TEST(state_at, broken_is_true_exactly_when_value_is_zero) {
  for (const rule r : {rule{rounds_rule{}}, rule{lcg_counter_rule{}}}) {
    session_params p = params;
    p.rule = r;
    for (std::int64_t step = 0; step < 20'000; ++step) {
      const state s = state_at_step(p, step);
      ASSERT_EQ(s.broken, s.value == 0);
      ASSERT_EQ(s.broken, breaks_at(p, step));
    }
  }
}

TEST(state_at, works_at_the_edges_of_the_time_range) {
  const session_params p{.seed = UINT64_MAX, .start_at_ms = 0, .tick_ms = 1, .rule = lcg_counter_rule{}};
  const state s = state_at(p, max_time_ms);
  EXPECT_EQ(s.step, max_time_ms);
  EXPECT_GE(s.value, 0);
  EXPECT_GT(s.round, 0);
}

TEST(validate, accepts_defaults_and_refuses_each_bad_field) {
  EXPECT_FALSE(validate(params).has_value());
  auto with = [](auto change) {
    session_params p = params;
    change(p);
    return validate(p);
  };
  EXPECT_EQ(with([](auto& p) { p.tick_ms = 0; })->field, "tick_ms");
  EXPECT_EQ(with([](auto& p) { p.tick_ms = -5; })->field, "tick_ms");
  EXPECT_EQ(with([](auto& p) { p.tick_ms = 60'001; })->field, "tick_ms");
  EXPECT_FALSE(with([](auto& p) { p.tick_ms = 60'000; }).has_value());
  EXPECT_EQ(with([](auto& p) { p.start_at_ms = -1; })->field, "start_at");
  EXPECT_EQ(with([](auto& p) { p.start_at_ms = max_time_ms + 1; })->field, "start_at");
  EXPECT_EQ(with([](auto& p) { p.rule = rounds_rule{.mean_interval = 0, .jitter = 0}; })->field, "mean_interval");
  EXPECT_EQ(with([](auto& p) { p.rule = rounds_rule{.mean_interval = 10, .jitter = 10}; })->field, "jitter");
  EXPECT_EQ(with([](auto& p) { p.rule = lcg_counter_rule{0}; })->field, "break_probability");
  EXPECT_EQ(with([](auto& p) { p.rule = lcg_counter_rule{1'000'001}; })->field, "break_probability");
  EXPECT_TRUE(validate_time("now", -1).has_value());
}

TEST(rules, have_stable_names) {
  EXPECT_EQ(rule_name(rounds_rule{}), "rounds");
  EXPECT_EQ(rule_name(lcg_counter_rule{}), "lcg-counter");
  EXPECT_EQ(rule_named("lcg-counter"), rule{lcg_counter_rule{}});
  EXPECT_FALSE(rule_named("Rounds").has_value());
}

}  // namespace
}  // namespace metronome::engine
