// Time is injected: components that need "now" take a clock&, so tests can
// drive time without sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace metronome {

class clock {
 public:
  virtual ~clock() = default;
  /// Wall-clock time, ms since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
  /// Monotonic time in microseconds from an arbitrary origin (durations, timeouts).
  virtual std::int64_t monotonic_us() const = 0;
};

/// The system clocks.
class system_clock final : public clock {
 public:
  std::int64_t now_ms() const override;
  std::int64_t monotonic_us() const override;
};

/// A clock that moves only when told to (tests).
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t now_ms) : now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_.load(); }
  std::int64_t monotonic_us() const override { return now_ms_.load() * 1000; }
  void advance_ms(std::int64_t ms) { now_ms_ += ms; }
  void set_ms(std::int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace metronome
