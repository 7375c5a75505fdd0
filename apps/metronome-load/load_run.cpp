#include "load_run.hpp"

#include <chrono>
#include <ostream>
#include <thread>

#include "client_pool.hpp"
#include "pool_threads.hpp"

namespace metronome::load {
namespace {

using steady = std::chrono::steady_clock;

}  // namespace

load_result run_load(const load_config& cfg, const endpoint_url& server, std::ostream& events) {
  run_state state;
  state.start = steady::now() + std::chrono::milliseconds(50);

  auto shares = shares_of(cfg.clients, cfg.threads);
  std::vector<std::unique_ptr<client_pool>> pools;
  pools.reserve(shares.size());
  for (auto& share : shares) pools.push_back(std::make_unique<client_pool>(cfg, server, state, std::move(share)));
  pool_threads<client_pool> threads(pools);
  load_result r;
  r.ramp_s = wait_for_ramp(state, cfg.clients, cfg.ramp_per_second, cfg.connect_timeout_ms, events);

  const window_usage w =
      measure_window(state, cfg.warmup_s, cfg.duration_s, events, [](steady::time_point end) { std::this_thread::sleep_until(end); });
  r.window_s = w.window_s;
  r.client_cpu_s = w.cpu_s;
  r.client_rss_kib = w.rss_kib;
  r.connected = state.ready.load();
  r.failed = state.failed.load();
  r.closed_early = state.closed.load();

  // Close: WebSocket close handshakes, bounded; then drop whatever is left.
  threads.close(std::chrono::milliseconds(cfg.connect_timeout_ms + 1000));
  for (auto& p : pools) r.stats.merge(p->stats());
  events << "event closed" << std::endl;
  return r;
}

}  // namespace metronome::load
