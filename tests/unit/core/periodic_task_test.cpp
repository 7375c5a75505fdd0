#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "metronome/core/periodic_task.hpp"

namespace metronome {
namespace {

TEST(periodic_task, runs_at_once_then_every_interval_and_stops_promptly) {
  // No fixed window: a loaded machine may run the task late, never early.
  // So wait (bounded) for three runs, and check that they were not closer
  // together than the interval allows: runs at 0, 50 and 100 ms at the soonest.
  using namespace std::chrono;
  std::atomic<int> runs{0};
  std::atomic<steady_clock::rep> third_run_at{0};
  const auto started = steady_clock::now();
  auto stopping = started;
  {
    periodic_task t(milliseconds(50), [&] {
      if (++runs == 3) third_run_at = (steady_clock::now() - started).count();
    });
    const auto deadline = started + seconds(20);
    while (runs.load() < 3 && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
    ASSERT_GE(runs.load(), 3) << "three runs did not happen within 20 s";
    stopping = steady_clock::now();
  }
  EXPECT_GE(steady_clock::duration(third_run_at.load()), milliseconds(100));
  EXPECT_LT(steady_clock::now() - stopping, milliseconds(1000));  // destruction does not wait out an interval
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
