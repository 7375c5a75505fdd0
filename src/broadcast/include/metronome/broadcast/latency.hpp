// A player's round-trip times over a rolling window, and what they mean.
// Pure: no clock, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "metronome/broadcast/settings.hpp"

namespace metronome::broadcast {

class latency_window {
 public:
  explicit latency_window(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  /// A window that continues from earlier samples (a resumed player).
  latency_window(std::size_t capacity, const std::vector<double>& samples);
  void add(double rtt_ms);
  /// Oldest first.
  std::vector<double> samples() const;
  std::size_t count() const noexcept { return samples_.size(); }
  bool full() const noexcept { return samples_.size() >= capacity_; }
  double mean_ms() const noexcept;
  /// Population standard deviation of the samples (0 with fewer than 2).
  double jitter_ms() const noexcept;

 private:
  std::size_t capacity_;
  std::vector<double> samples_;  ///< a ring once full; allocated at the first sample
  std::size_t next_ = 0;         ///< where the next sample goes once full
};

enum class verdict { ok, warning, kick_latency, kick_jitter };

/// Seed 001's thresholds; never a kick before the window is full.
verdict judge(const latency_window& w, const settings& s) noexcept;

std::string_view kick_reason(verdict v) noexcept;

/// A token bucket for incoming messages; time is passed in.
class token_bucket {
 public:
  token_bucket(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  /// Takes one token if available at `now_ms`.
  bool take(std::int64_t now_ms) noexcept;

 private:
  double rate_, burst_, tokens_;
  std::int64_t last_ms_ = -1;
};

}  // namespace metronome::broadcast
