#include <gtest/gtest.h>

#include <random>

#include "metronome/engine/detail/lcg.hpp"
#include "metronome/engine/replay.hpp"
#include "metronome/engine/state.hpp"

namespace metronome::engine {
namespace {

using detail::lcg_breaks;

// floor_sum computed naively.
std::uint64_t floor_sum_naive(std::uint64_t n, std::uint64_t m, std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = 0;
  for (std::uint64_t i = 0; i < n; ++i) s += (a * i + b) / m;
  return s;
}

// The same reduction in 128-bit arithmetic: agrees with the 64-bit version
// only if the latter never overflows for the engine's inputs.
__extension__ using u128 = unsigned __int128;

u128 floor_sum_wide(u128 n, u128 m, u128 a, u128 b) {
  u128 ans = 0;
  for (;;) {
    if (a >= m) {
      ans += n * (n - 1) / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      ans += n * (b / m);
      b %= m;
    }
    const u128 y = a * n + b;
    if (y < m) return ans;
    n = y / m;
    b = y % m;
    std::swap(m, a);
  }
}

TEST(floor_sum, matches_naive_sum_on_small_inputs) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t n = rng() % 300, m = 1 + rng() % 1000, a = rng() % 3000, b = rng() % 3000;
    ASSERT_EQ(detail::floor_sum(n, m, a, b), floor_sum_naive(n, m, a, b)) << n << ' ' << m << ' ' << a << ' ' << b;
  }
}

TEST(floor_sum, does_not_overflow_at_the_engines_largest_inputs) {
  std::mt19937_64 rng(2);
  const std::uint64_t m = std::uint64_t{1} << 32;
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t q = 2 + rng() % 1'000'000;
    const std::uint64_t n = (m + q - 1) / q;
    const std::uint64_t a = rng() % m, b = rng() % (2 * m);
    ASSERT_EQ(detail::floor_sum(n, m, a, b), static_cast<std::uint64_t>(floor_sum_wide(n, m, a, b)));
  }
  EXPECT_EQ(detail::floor_sum(m / 2, m, m - 1, 2 * m - 1), static_cast<std::uint64_t>(floor_sum_wide(m / 2, m, m - 1, 2 * m - 1)));
}

struct lcg_case {
  std::uint64_t seed;
  std::uint32_t q;
};

class lcg_counting : public ::testing::TestWithParam<lcg_case> {};

TEST_P(lcg_counting, count_and_last_break_match_a_scan_from_step_zero) {
  const auto [seed, q] = GetParam();
  std::int64_t count = 0, last = -1;
  for (std::int64_t s = 0; s < 30'000; ++s) {
    if (lcg_breaks(seed, q, s)) {
      ++count;
      last = s;
    }
    ASSERT_EQ(detail::lcg_count_breaks(seed, q, s), count) << "step " << s;
    ASSERT_EQ(detail::lcg_last_break(seed, q, s), last) << "step " << s;
  }
  EXPECT_EQ(detail::lcg_count_breaks(seed, q, -1), 0);
}

TEST_P(lcg_counting, counts_are_consistent_across_windows_far_from_zero) {
  // count(s) - count(s0) must equal the breaks scanned in (s0, s], wherever s0
  // is: inside a period, across a 2^32 period boundary, near 2^40 and 2^53.
  const auto [seed, q] = GetParam();
  std::mt19937_64 rng(seed ^ q);
  std::vector<std::int64_t> origins = {(std::int64_t{1} << 32) - 5'000, (std::int64_t{1} << 40) - 77, (std::int64_t{1} << 53) - 40'000,
                                       3 * (std::int64_t{1} << 32) + 12345};
  for (int i = 0; i < 6; ++i) origins.push_back(static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 52)));
  for (const std::int64_t s0 : origins) {
    const std::int64_t base = detail::lcg_count_breaks(seed, q, s0);
    std::int64_t scanned = 0;
    for (std::int64_t s = s0 + 1; s <= s0 + 20'000; ++s) {
      scanned += lcg_breaks(seed, q, s);
      if (s % 997 == 0 || s == s0 + 20'000) {
        ASSERT_EQ(detail::lcg_count_breaks(seed, q, s) - base, scanned) << s;
      }
    }
  }
}

TEST_P(lcg_counting, last_break_matches_a_backward_scan_far_from_zero) {
  const auto [seed, q] = GetParam();
  std::mt19937_64 rng(seed + q);
  for (int i = 0; i < 40; ++i) {
    const auto s = static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 53));
    std::int64_t t = s;
    while (!lcg_breaks(seed, q, t)) --t;
    ASSERT_EQ(detail::lcg_last_break(seed, q, s), t) << "step " << s;
  }
}

TEST_P(lcg_counting, cursor_agrees_with_random_access) {
  const auto [seed, q] = GetParam();
  const session_params p{.seed = seed, .start_at_ms = 0, .tick_ms = 1, .rule = lcg_counter_rule{q}};
  for (const std::int64_t from : {std::int64_t{0}, (std::int64_t{1} << 32) - 1'000, std::int64_t{1} << 40}) {
    cursor c(p, from);
    for (int i = 0; i < 3'000; ++i) {
      ASSERT_EQ(c.current(), state_at_step(p, c.current().step));
      c.advance();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(rules, lcg_counting,
                         ::testing::Values(lcg_case{987654321, 50}, lcg_case{0, 50}, lcg_case{UINT64_MAX, 50}, lcg_case{123, 1},
                                           lcg_case{123, 2}, lcg_case{2'147'483'647, 3}, lcg_case{55, 1000}, lcg_case{1, 99'991}));

TEST(lcg, value_counts_ticks_since_the_last_break_like_seed_000s_counter) {
  // Seed 000's handleTick: counter = 0 on a break, else counter + 1.
  const session_params p{.seed = 987654321, .start_at_ms = 0, .tick_ms = 1, .rule = lcg_counter_rule{}};
  std::int64_t counter = 0;
  for (std::int64_t s = 0; s < 10'000; ++s) {
    counter = lcg_breaks(p.seed, 50, s) ? 0 : counter + 1;
    ASSERT_EQ(state_at_step(p, s).value, counter);
  }
}

}  // namespace
}  // namespace metronome::engine
