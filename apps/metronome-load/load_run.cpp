#include "load_run.hpp"

#include <chrono>
#include <ostream>
#include <thread>

#include "client_pool.hpp"
#include "self_usage.hpp"

namespace metronome::load {
namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

}  // namespace

load_result run_load(const load_config& cfg, const endpoint_url& server, std::ostream& events) {
  run_state state;
  state.start = steady::now() + std::chrono::milliseconds(50);

  const int nthreads = std::max(1, std::min(cfg.threads, cfg.clients));
  std::vector<std::vector<int>> shares(static_cast<std::size_t>(nthreads));
  for (int i = 0; i < cfg.clients; ++i) shares[static_cast<std::size_t>(i % nthreads)].push_back(i);
  std::vector<std::unique_ptr<client_pool>> pools;
  pools.reserve(shares.size());
  for (auto& share : shares) pools.push_back(std::make_unique<client_pool>(cfg, server, state, std::move(share)));
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<std::atomic<bool>>> done;
  for (auto& p : pools) {
    done.push_back(std::make_unique<std::atomic<bool>>(false));
    threads.emplace_back([&p, flag = done.back().get()] {
      p->run();
      flag->store(true);
    });
  }

  // Ramp: until every client is ready or failed, bounded by the ramp's
  // length plus the connect timeout.
  const double ramp_len = cfg.ramp_per_second > 0 ? cfg.clients / cfg.ramp_per_second : 0;
  const auto ramp_deadline = state.start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(ramp_len)) +
                             std::chrono::milliseconds(cfg.connect_timeout_ms + 2000);
  while (state.ready.load() + state.failed.load() < cfg.clients && steady::now() < ramp_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  load_result r;
  r.ramp_s = seconds_since(state.start);
  events << "event ramp_done connected=" << state.ready.load() << " failed=" << state.failed.load() << " ramp_s=" << r.ramp_s << std::endl;

  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.warmup_s));
  const double cpu0 = cpu_seconds();
  const auto t0 = steady::now();
  state.measuring.store(true);
  events << "event measure_start" << std::endl;
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.duration_s));
  state.measuring.store(false);
  r.window_s = seconds_since(t0);
  r.client_cpu_s = cpu_seconds() - cpu0;
  r.client_rss_kib = rss_kib();
  events << "event measure_end" << std::endl;
  r.connected = state.ready.load();
  r.failed = state.failed.load();
  r.closed_early = state.closed.load();

  // Close: WebSocket close handshakes, bounded; then drop whatever is left.
  for (auto& p : pools) p->stop();
  const auto close_deadline = steady::now() + std::chrono::milliseconds(cfg.connect_timeout_ms + 1000);
  for (std::size_t i = 0; i < pools.size(); ++i) {
    while (!done[i]->load() && steady::now() < close_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!done[i]->load()) pools[i]->abort();
    threads[i].join();
  }
  for (auto& p : pools) r.stats.merge(p->stats());
  events << "event closed" << std::endl;
  return r;
}

}  // namespace metronome::load
