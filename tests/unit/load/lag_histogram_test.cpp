#include "lag_histogram.hpp"

#include <gtest/gtest.h>

namespace metronome::load {
namespace {

TEST(lag_histogram, empty_answers_zero) {
  lag_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile_us(0.5), 0);
  EXPECT_EQ(h.max_us(), 0);
}

TEST(lag_histogram, percentiles_within_one_bucket) {
  lag_histogram h;                                            // 10 us buckets
  for (std::int64_t v = 1; v <= 1000; ++v) h.record(v * 10);  // 10 us .. 10 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_NEAR(static_cast<double>(h.percentile_us(0.5)), 5000, 10);
  EXPECT_NEAR(static_cast<double>(h.percentile_us(0.99)), 9900, 10);
  EXPECT_NEAR(static_cast<double>(h.percentile_us(0.999)), 9990, 10);
  EXPECT_EQ(h.percentile_us(1.0), 10000);
  EXPECT_EQ(h.min_us(), 10);
  EXPECT_EQ(h.max_us(), 10000);
  EXPECT_NEAR(h.mean_us(), 5005, 1e-6);
}

TEST(lag_histogram, a_single_late_sample_shows_in_p999_not_p99) {
  lag_histogram h;
  for (int i = 0; i < 999; ++i) h.record(1000);
  h.record(250'000);
  EXPECT_EQ(h.percentile_us(0.99), 1010);  // upper edge of [1000, 1010)
  EXPECT_EQ(h.percentile_us(0.999), 1010);
  EXPECT_EQ(h.percentile_us(0.9995), 250'000);
  EXPECT_EQ(h.max_us(), 250'000);
}

TEST(lag_histogram, under_and_overflow_answer_exact_extremes) {
  lag_histogram h(lag_histogram::config{.bucket_us = 10, .min_us = 0, .max_us = 1000});
  h.record(-500);
  h.record(50);
  h.record(5000);
  EXPECT_EQ(h.percentile_us(0.1), -500);
  EXPECT_EQ(h.percentile_us(0.5), 60);  // upper edge of [50, 60)
  EXPECT_EQ(h.percentile_us(1.0), 5000);
}

TEST(lag_histogram, negative_lags_in_range_are_kept) {
  lag_histogram h;  // default range starts at -100 ms
  h.record(-2000);
  h.record(-1000);
  h.record(3000);
  EXPECT_EQ(h.percentile_us(0.5), -990);
  EXPECT_EQ(h.min_us(), -2000);
}

TEST(lag_histogram, merge_equals_recording_into_one) {
  lag_histogram a, b, all;
  for (int i = 0; i < 500; ++i) {
    a.record(i * 7);
    all.record(i * 7);
    b.record(10'000 + i * 3);
    all.record(10'000 + i * 3);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {0.01, 0.25, 0.5, 0.75, 0.99, 0.999}) EXPECT_EQ(a.percentile_us(q), all.percentile_us(q)) << q;
  EXPECT_EQ(a.min_us(), all.min_us());
  EXPECT_EQ(a.max_us(), all.max_us());
  lag_histogram empty;
  empty.merge(a);
  EXPECT_EQ(empty.max_us(), all.max_us());
}

}  // namespace
}  // namespace metronome::load
