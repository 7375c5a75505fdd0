#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "metronome/core/periodic_task.hpp"

namespace metronome {
namespace {

TEST(periodic_task, runs_at_once_then_every_interval_and_stops_promptly) {
  std::atomic<int> runs{0};
  const auto started = std::chrono::steady_clock::now();
  {
    periodic_task t(std::chrono::milliseconds(50), [&] { ++runs; });
    std::this_thread::sleep_for(std::chrono::milliseconds(230));
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(runs.load(), 3);
  EXPECT_LE(runs.load(), 7);
  EXPECT_LT(took, std::chrono::milliseconds(1000));  // destruction does not wait out an interval
}

TEST(periodic_task, destruction_does_not_wait_for_a_long_interval) {
  const auto started = std::chrono::steady_clock::now();
  {
    periodic_task t(std::chrono::hours(1), [] {});
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace metronome
