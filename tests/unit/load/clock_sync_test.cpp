#include "clock_sync.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <initializer_list>

namespace metronome::load {
namespace {

constexpr std::int64_t hour_us = 3'600'000'000;

/// A server whose clock is `offset_us` ahead of the client's; a ping sent at
/// client time t0 takes `up_us` to arrive and `down_us` to come back. The
/// server stamps in truncated ms, as the protocol does.
struct simulated_ping {
  std::int64_t offset_us;
  void send(clock_offset_estimator& e, std::int64_t t0, std::int64_t up_us, std::int64_t down_us) const {
    const std::int64_t server_us = t0 + up_us + offset_us;
    e.add(t0, t0 + up_us + down_us, server_us / 1000);
  }
};

TEST(clock_sync, empty_has_no_estimate) {
  clock_offset_estimator e;
  EXPECT_FALSE(e.offset_us());
  EXPECT_FALSE(e.complete());
}

TEST(clock_sync, symmetric_paths_give_the_offset_within_half_a_millisecond) {
  for (std::int64_t offset : std::initializer_list<std::int64_t>{0, 1234, -7'654'321, 2 * hour_us, -2 * hour_us}) {
    clock_offset_estimator e;
    const simulated_ping p{offset};
    std::int64_t t = 1'763'000'000'000'000;
    for (std::size_t k = 0; k < clock_offset_estimator::samples_wanted; ++k, t += 100'000)
      p.send(e, t + static_cast<std::int64_t>(k) * 137, 300, 300);
    ASSERT_TRUE(e.complete());
    ASSERT_TRUE(e.offset_us());
    EXPECT_NEAR(static_cast<double>(*e.offset_us()), static_cast<double>(offset), 500.0) << offset;
  }
}

TEST(clock_sync, queued_samples_are_discarded) {
  // Half the samples are delayed 40 ms one way (queueing): keeping the
  // lowest-rtt half ignores them entirely.
  clock_offset_estimator e;
  const simulated_ping p{5'000'000};
  std::int64_t t = 1'763'000'000'000'000;
  for (int k = 0; k < 8; ++k, t += 100'000) p.send(e, t, k % 2 ? 40'000 : 200, 200);
  EXPECT_NEAR(static_cast<double>(*e.offset_us()), 5'000'000.0, 500.0);
}

TEST(clock_sync, one_outlier_among_the_fast_half_is_outvoted_by_the_median) {
  clock_offset_estimator e;
  const simulated_ping p{0};
  std::int64_t t = 1'763'000'000'000'000;
  for (int k = 0; k < 7; ++k, t += 100'000) p.send(e, t, 1000, 1000);
  p.send(e, t, 0, 1500);  // fastest, but wholly asymmetric: offset error -750 us
  EXPECT_NEAR(static_cast<double>(*e.offset_us()), 0.0, 500.0);
}

TEST(clock_sync, the_asymmetry_is_the_residual_error) {
  clock_offset_estimator e;
  const simulated_ping p{0};
  std::int64_t t = 1'763'000'000'000'000;
  for (int k = 0; k < 8; ++k, t += 100'000) p.send(e, t, 10'000, 2'000);  // 10 ms up, 2 ms down
  EXPECT_NEAR(static_cast<double>(*e.offset_us()), 4000.0, 500.0);        // (up - down) / 2
}

TEST(clock_sync, samples_past_the_eighth_and_backwards_ones_are_ignored) {
  clock_offset_estimator e;
  e.add(1000, 500, 1);  // t1 < t0
  EXPECT_EQ(e.samples(), 0u);
  const simulated_ping p{0};
  for (int k = 0; k < 12; ++k) p.send(e, 1'000'000 + k * 100'000, 100, 100);
  EXPECT_EQ(e.samples(), 8u);
}

TEST(clock_sync, a_client_two_hours_off_computes_the_servers_step_within_one) {
  const std::int64_t client_ahead_us = 2 * hour_us;  // the client's clock reads 2 h late... or early:
  for (std::int64_t skew : {client_ahead_us, -client_ahead_us}) {
    clock_offset_estimator e;
    const simulated_ping p{-skew};  // server = client - skew
    const std::int64_t server_start_ms = 1'763'000'000'000;
    std::int64_t t = server_start_ms * 1000 + skew;  // client clock when the server is at start
    for (int k = 0; k < 8; ++k, t += 100'000) p.send(e, t, 800 + k * 50, 700 + k * 30);
    const std::int64_t tick_ms = 100;
    for (std::int64_t true_step : std::initializer_list<std::int64_t>{0, 1, 57, 12'345}) {
      const std::int64_t server_now_us = server_start_ms * 1000 + true_step * tick_ms * 1000 + 50'000;  // mid-tick
      const std::int64_t client_now_us = server_now_us + skew;
      const std::int64_t step = server_step(client_now_us, *e.offset_us(), server_start_ms, tick_ms);
      EXPECT_LE(std::abs(step - true_step), 1) << skew << " " << true_step;
      EXPECT_EQ(step, true_step);  // with sub-ms error and a mid-tick read, exactly
    }
  }
}

TEST(clock_sync, server_step_floors_before_the_start) {
  EXPECT_EQ(server_step(0, 0, 1, 100), -1);  // 1 ms before startAt
  EXPECT_EQ(server_step(100'000, 0, 0, 100), 1);
  EXPECT_EQ(server_step(99'999, 0, 0, 100), 0);
}

}  // namespace
}  // namespace metronome::load
