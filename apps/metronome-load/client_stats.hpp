// What the clients of one I/O thread observed. Each thread owns one and
// touches it only from that thread; the runner merges them after the
// threads have stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lag_histogram.hpp"

namespace metronome::load {

struct client_stats {
  lag_histogram lag;                 ///< delivery lag of ticks received while measuring, clock-synchronized (us)
  lag_histogram system_lag;          ///< the same lags on the system clock (true on one machine; metronome peer only) (us)
  lag_histogram read_delay;          ///< from a tick's arrival on the socket to this client reading it (us): the load generator's own queue
  lag_histogram client_rtt;          ///< RTT of the clock-sync pings, client side (us), whole run
  lag_histogram server_rtt;          ///< the server's mean RTT in latency_status (us), whole run
  std::uint64_t messages = 0;        ///< ticks received while measuring
  std::uint64_t frames = 0;          ///< frames of any kind received while measuring
  std::uint64_t unsynced_ticks = 0;  ///< ticks received while measuring by a client with no clock estimate yet
  std::uint64_t kicked = 0;          ///< `kicked` messages, whole run
  std::uint64_t warnings = 0;        ///< latency_status "warning", whole run
  std::uint64_t error_messages = 0;  ///< `error` messages, whole run
  std::uint64_t stopped = 0;         ///< `stopped` messages, whole run
  std::uint64_t pongs_sent = 0;      ///< pongs sent to server ping control frames, whole run
  std::map<std::string, std::uint64_t> kick_reasons;
  std::map<int, std::uint64_t> close_codes;       ///< WebSocket close codes the server sent
  std::map<std::string, std::uint64_t> failures;  ///< why clients never became ready
  std::vector<std::int64_t> offset_estimates_us;  ///< per synchronized client: estimated server - client (us)

  void merge(const client_stats& other);
};

/// Shared by the runner and every I/O thread.
struct run_state {
  std::chrono::steady_clock::time_point start;  ///< client i starts at start + i / ramp_per_second
  std::atomic<bool> measuring{false};           ///< inside the measuring window
  std::atomic<int> ready{0};                    ///< connected (and, for metronome, joined)
  std::atomic<int> failed{0};                   ///< gave up before becoming ready
  std::atomic<int> closed{0};                   ///< became ready, then lost the connection
};

}  // namespace metronome::load
