// The clock synchronization of docs/protocol.md ("Clock synchronization"):
// from client pings, estimate offset = server clock - client clock. Pure:
// the caller passes every time in.
//
//   rtt = t1 - t0;  offset = s + rtt/2 - t1
//   8 samples; keep the half with the lowest rtt; the estimate is the median
//   offset of those.
//
// One refinement over the document's formula: the server's timestamp is an
// integer number of milliseconds, truncated, so the server's true time lies
// in [s, s + 1) ms; we take its middle (s + 0.5 ms). Without it every
// estimate is 0.5 ms low on average, which shows directly in a lag p50.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace metronome::load {

class clock_offset_estimator {
 public:
  static constexpr std::size_t samples_wanted = 8;  ///< pings per synchronization

  /// One ping/pong: sent at t0_us, answered at t1_us (both client clock, us),
  /// the server's serverTimestamp server_ms (ms). Samples past the 8th are
  /// ignored; a sample with t1 < t0 is ignored.
  void add(std::int64_t t0_us, std::int64_t t1_us, std::int64_t server_ms);

  std::size_t samples() const { return n_; }
  bool complete() const { return n_ >= samples_wanted; }

  /// The estimate from the samples so far (the lowest-rtt half, at least
  /// one); empty before the first sample.
  std::optional<std::int64_t> offset_us() const;

 private:
  struct sample {
    std::int64_t rtt_us;
    std::int64_t offset_us;
  };
  std::array<sample, samples_wanted> samples_{};
  std::size_t n_ = 0;
};

/// The server's step at client time client_now_us given the estimated
/// offset: floor((client_now + offset - startAt) / tickMs).
std::int64_t server_step(std::int64_t client_now_us, std::int64_t offset_us, std::int64_t start_at_ms, std::int64_t tick_ms);

}  // namespace metronome::load
