#include <gtest/gtest.h>

#include "metronome/broadcast/latency.hpp"

namespace metronome::broadcast {
namespace {

TEST(latency_window, mean_and_population_std_dev_over_the_last_samples) {
  latency_window w(5);
  for (const double s : {100.0, 10.0, 20.0, 30.0, 40.0, 50.0}) w.add(s);  // the first falls out
  EXPECT_EQ(w.count(), 5u);
  EXPECT_DOUBLE_EQ(w.mean_ms(), 30.0);
  EXPECT_NEAR(w.jitter_ms(), 14.142135, 1e-5);  // sqrt(200)
}

TEST(judge, warns_and_kicks_at_seed_001s_thresholds) {
  const settings s{};
  auto window_of = [](double rtt, double spread) {
    latency_window w(5);
    for (int i = 0; i < 5; ++i) w.add(rtt + (i % 2 == 0 ? spread : -spread));
    return w;
  };
  EXPECT_EQ(judge(window_of(50, 0), s), verdict::ok);
  EXPECT_EQ(judge(window_of(120, 0), s), verdict::warning);
  EXPECT_EQ(judge(window_of(60, 35), s), verdict::warning);  // jitter ~34.3 > 30
  EXPECT_EQ(judge(window_of(200, 0), s), verdict::kick_latency);
  EXPECT_EQ(judge(window_of(60, 60), s), verdict::kick_jitter);
  EXPECT_EQ(kick_reason(verdict::kick_latency), "high_latency");
}

TEST(judge, never_kicks_before_the_window_is_full) {
  latency_window w(5);
  for (int i = 0; i < 4; ++i) w.add(500);
  EXPECT_EQ(judge(w, settings{}), verdict::warning);
  w.add(500);
  EXPECT_EQ(judge(w, settings{}), verdict::kick_latency);
}

TEST(token_bucket, allows_the_burst_then_the_rate) {
  token_bucket b(20, 40);
  int taken = 0;
  for (int i = 0; i < 100; ++i) taken += b.take(1000);
  EXPECT_EQ(taken, 40);
  EXPECT_FALSE(b.take(1000));
  EXPECT_TRUE(b.take(1050));  // 50 ms = 1 token at 20/s
  EXPECT_FALSE(b.take(1050));
}

}  // namespace
}  // namespace metronome::broadcast
