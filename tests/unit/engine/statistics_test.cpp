// Statistical checks of the default rule. Everything is seeded, so each test
// is deterministic: it fails only if the generator or the rule changes.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "metronome/engine/detail/rounds.hpp"

namespace metronome::engine {
namespace {

constexpr std::int64_t rounds_count = 1'000'000;

// Critical values of the chi-square distribution at p = 0.001, via the
// Wilson-Hilferty approximation (accurate to about 0.5 % for these dof).
double chi_square_critical_0_001(double dof) {
  const double z = 3.090232;  // one-sided normal quantile for 0.001
  const double t = 1.0 - 2.0 / (9.0 * dof) + z * std::sqrt(2.0 / (9.0 * dof));
  return dof * t * t * t;
}

TEST(generator, splitmix64_outputs_are_uniform_by_chi_square) {
  for (const std::uint64_t key : {std::uint64_t{0}, std::uint64_t{987654321}, UINT64_MAX}) {
    std::array<std::int64_t, 256> high{}, low{};
    for (std::int64_t n = 1; n <= rounds_count; ++n) {
      const std::uint64_t x = detail::splitmix64_at(key, static_cast<std::uint64_t>(n));
      ++high[x >> 56];
      ++low[x & 0xFF];
    }
    for (const auto* buckets : {&high, &low}) {
      const double expected = static_cast<double>(rounds_count) / 256.0;
      double chi2 = 0;
      for (const std::int64_t observed : *buckets) chi2 += std::pow(static_cast<double>(observed) - expected, 2) / expected;
      EXPECT_LT(chi2, chi_square_critical_0_001(255)) << "key " << key;
      EXPECT_GT(chi2, 255 * 0.5) << "suspiciously uniform, key " << key;
    }
  }
}

struct interval_stats {
  double mean = 0, variance = 0;
  std::vector<std::int64_t> histogram;  // index: interval - (mean_interval - jitter)
};

interval_stats intervals(std::uint64_t seed, const rounds_rule& rule) {
  interval_stats st;
  st.histogram.assign(2 * rule.jitter + 1, 0);
  double sum = 0, sum_sq = 0;
  std::int64_t prev = detail::rounds_break_step(seed, rule, 1);
  for (std::int64_t r = 2; r <= rounds_count + 1; ++r) {
    const std::int64_t b = detail::rounds_break_step(seed, rule, r);
    const auto interval = static_cast<double>(b - prev);
    sum += interval;
    sum_sq += interval * interval;
    ++st.histogram.at(static_cast<std::size_t>(b - prev - (rule.mean_interval - rule.jitter)));
    prev = b;
  }
  const double n = rounds_count;
  st.mean = sum / n;
  st.variance = sum_sq / n - st.mean * st.mean;
  return st;
}

class interval_distribution : public ::testing::TestWithParam<rounds_rule> {};

TEST_P(interval_distribution, has_the_documented_mean_and_variance) {
  const rounds_rule rule = GetParam();
  const interval_stats st = intervals(20261122, rule);
  const double w = rule.jitter + 1.0;
  // Documented: mean = mean_interval, variance = (w^2 - 1) / 6.
  EXPECT_NEAR(st.mean, rule.mean_interval, 0.01);
  const double expected_variance = (w * w - 1) / 6.0;
  EXPECT_NEAR(st.variance, expected_variance, 0.02 * expected_variance + 1e-9);
}

TEST_P(interval_distribution, is_triangular_by_chi_square) {
  const rounds_rule rule = GetParam();
  if (rule.jitter == 0) GTEST_SKIP() << "a single interval value: nothing to fit";
  const interval_stats st = intervals(7, rule);
  const double w = rule.jitter + 1.0;
  double chi2 = 0;
  for (std::size_t i = 0; i < st.histogram.size(); ++i) {
    const double d = static_cast<double>(i) - rule.jitter;  // interval - mean
    const double expected = rounds_count * (w - std::abs(d)) / (w * w);
    chi2 += std::pow(static_cast<double>(st.histogram[i]) - expected, 2) / expected;
  }
  // Consecutive intervals share one offset (lag-1 correlation -1/2), which
  // widens the statistic's spread; the bound allows twice the critical value.
  EXPECT_LT(chi2, 2 * chi_square_critical_0_001(static_cast<double>(st.histogram.size() - 1)));
}

INSTANTIATE_TEST_SUITE_P(rules, interval_distribution,
                         ::testing::Values(rounds_rule{}, rounds_rule{.mean_interval = 10, .jitter = 3},
                                           rounds_rule{.mean_interval = 200, .jitter = 100}, rounds_rule{.mean_interval = 5, .jitter = 0}));

TEST(interval_distribution, offsets_are_uniform_by_chi_square) {
  const rounds_rule rule{};  // offsets in [0, 49]
  std::vector<std::int64_t> counts(rule.jitter + 1, 0);
  for (std::int64_t r = 1; r <= rounds_count; ++r) ++counts.at(static_cast<std::size_t>(detail::rounds_offset(99, rule, r)));
  const double expected = static_cast<double>(rounds_count) / static_cast<double>(counts.size());
  double chi2 = 0;
  for (const auto c : counts) chi2 += std::pow(static_cast<double>(c) - expected, 2) / expected;
  EXPECT_LT(chi2, chi_square_critical_0_001(static_cast<double>(counts.size() - 1)));
}

TEST(interval_distribution, consecutive_intervals_have_lag_one_correlation_minus_one_half) {
  // Documented consequence of the telescoping construction.
  const rounds_rule rule{};
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  std::int64_t b0 = detail::rounds_break_step(3, rule, 1), b1 = detail::rounds_break_step(3, rule, 2);
  for (std::int64_t r = 3; r <= rounds_count; ++r) {
    const std::int64_t b2 = detail::rounds_break_step(3, rule, r);
    const auto x = static_cast<double>(b1 - b0), y = static_cast<double>(b2 - b1);
    sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    b0 = b1, b1 = b2;
  }
  const double n = rounds_count - 2;
  const double corr = (sxy / n - sx / n * sy / n) / std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
  EXPECT_NEAR(corr, -0.5, 0.01);
}

}  // namespace
}  // namespace metronome::engine
