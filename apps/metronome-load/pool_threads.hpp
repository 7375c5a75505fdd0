// What both modes' runs share (load_run.cpp, world_run.cpp): clients dealt
// out to I/O threads, one thread per pool, the bounded ramp, and the bounded
// close. Pool is client_pool or world_pool (run, stop, abort).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <thread>
#include <vector>

#include "client_stats.hpp"
#include "self_usage.hpp"

namespace metronome::load {

/// Clients 0..n-1 dealt round robin to min(threads, n) threads (at least one).
inline std::vector<std::vector<int>> shares_of(int n, int threads) {
  std::vector<std::vector<int>> shares(static_cast<std::size_t>(std::max(1, std::min(threads, n))));
  for (int i = 0; i < n; ++i) shares[static_cast<std::size_t>(i) % shares.size()].push_back(i);
  return shares;
}

/// Waits until every client is ready or failed, bounded by the ramp's length
/// plus the connect timeout plus 2 s; prints "event ramp_done ..."; returns
/// the seconds since state.start.
inline double wait_for_ramp(const run_state& state, int clients, double ramp_per_second, int connect_timeout_ms, std::ostream& events) {
  using steady = std::chrono::steady_clock;
  const double ramp_len = ramp_per_second > 0 ? clients / ramp_per_second : 0;
  const auto deadline = state.start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(ramp_len)) +
                        std::chrono::milliseconds(connect_timeout_ms + 2000);
  while (state.ready.load() + state.failed.load() < clients && steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double ramp_s = std::chrono::duration<double>(steady::now() - state.start).count();
  events << "event ramp_done connected=" << state.ready.load() << " failed=" << state.failed.load() << " ramp_s=" << ramp_s << std::endl;
  return ramp_s;
}

/// What the measuring window took: its length, this process's CPU over it
/// and its RSS at the end.
struct window_usage {
  double window_s = 0, cpu_s = 0;
  std::int64_t rss_kib = 0;
};

/// Waits out the warm-up, then runs the measuring window: state.measuring
/// set, "event measure_start", `during(end)` (which returns at `end` or
/// later), "event measure_end".
template <class F>
window_usage measure_window(run_state& state, double warmup_s, double duration_s, std::ostream& events, F&& during) {
  using steady = std::chrono::steady_clock;
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));
  const double cpu0 = cpu_seconds();
  const auto t0 = steady::now();
  state.measuring.store(true);
  events << "event measure_start" << std::endl;
  during(t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(duration_s)));
  state.measuring.store(false);
  window_usage u{std::chrono::duration<double>(steady::now() - t0).count(), cpu_seconds() - cpu0, rss_kib()};
  events << "event measure_end" << std::endl;
  return u;
}

template <class Pool>
class pool_threads {
 public:
  /// Starts one thread per pool, running it.
  explicit pool_threads(std::vector<std::unique_ptr<Pool>>& pools) : pools_(pools) {
    for (auto& p : pools_) {
      done_.push_back(std::make_unique<std::atomic<bool>>(false));
      threads_.emplace_back([&p, flag = done_.back().get()] {
        p->run();
        flag->store(true);
      });
    }
  }
  pool_threads(const pool_threads&) = delete;
  pool_threads& operator=(const pool_threads&) = delete;
  ~pool_threads() { close(std::chrono::milliseconds(0)); }

  /// Stops every pool (WebSocket closes), waits up to `bound` for them, aborts
  /// those still running, joins. Idempotent.
  void close(std::chrono::milliseconds bound) {
    if (threads_.empty()) return;
    for (auto& p : pools_) p->stop();
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (std::size_t i = 0; i < pools_.size(); ++i) {
      while (!done_[i]->load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!done_[i]->load()) pools_[i]->abort();
      threads_[i].join();
    }
    threads_.clear();
  }

 private:
  std::vector<std::unique_ptr<Pool>>& pools_;
  std::vector<std::unique_ptr<std::atomic<bool>>> done_;
  std::vector<std::thread> threads_;
};

}  // namespace metronome::load
