#include "world_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <ostream>
#include <thread>

#include "pool_threads.hpp"
#include "session_setup.hpp"
#include "world_pool.hpp"

namespace metronome::load {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto tick = std::chrono::milliseconds(50);           ///< the gateway's 20 Hz
constexpr std::size_t max_truth_bytes = 64U << 20;             ///< 4,000,000 entities at most, ~20 B each
constexpr auto round_bound = std::chrono::milliseconds(3000);  ///< sampled bots must answer within this

/// GET /world/truth on the gateway; the parsed truth, or why not.
std::shared_ptr<const world_check::truth> fetch_truth(const world_load_config& cfg, const endpoint_url& server, std::string& error) {
  endpoint_url http = server;
  http.scheme = "http";
  const std::string request = "GET /world/truth HTTP/1.1\r\nHost: " + server.host + ":" + std::to_string(server.port) +
                              "\r\nAuthorization: Bearer " + cfg.operator_secret + "\r\nConnection: close\r\n\r\n";
  const std::string response = http_exchange(http, request, error, max_truth_bytes);
  if (!error.empty()) return nullptr;
  const std::string_view r(response);
  const std::size_t body_at = r.find("\r\n\r\n");
  if (r.substr(0, 12) != "HTTP/1.1 200" || body_at == std::string_view::npos) {
    error = "GET /world/truth answered: " + std::string(r.substr(0, std::min(r.size(), std::size_t{300})));
    return nullptr;
  }
  auto t = world_check::parse_truth(r.substr(body_at + 4), error);
  if (!t) {
    error = "GET /world/truth: " + error;
    return nullptr;
  }
  return std::make_shared<const world_check::truth>(std::move(*t));
}

/// The measuring window's checks: every check_every ticks, arm check_bots
/// bots (round robin), let them keep a few views, fetch the truth, hand it
/// over and wait (bounded) for their answers.
void check_loop(const world_load_config& cfg, const endpoint_url& server, std::vector<std::unique_ptr<world_pool>>& pools,
                steady::time_point end, world_result& r) {
  const auto period = tick * std::max(1, cfg.check_every);
  int cursor = 0;
  for (auto next = steady::now() + period; next < end; next = std::max(next + period, steady::now())) {
    std::this_thread::sleep_until(next);
    auto round = std::make_shared<check_round>();
    const int n = std::min(cfg.check_bots, cfg.bots);
    std::vector<int> picks;
    picks.reserve(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) picks.push_back((cursor + k) % cfg.bots);
    cursor = (cursor + n) % cfg.bots;
    for (const int i : picks) pools[static_cast<std::size_t>(i) % pools.size()]->arm(i, round);
    std::this_thread::sleep_for(3 * tick);  // the armed bots record a few views before the truth's tick
    std::string error;
    auto truth = fetch_truth(cfg, server, error);
    if (!truth) {
      if (r.truth_errors.size() < 5) r.truth_errors.push_back(error);
      ++r.truth_error_count;
      continue;  // the armed bots are re-armed (and this round closed) by the next one
    }
    round->truth = std::move(truth);
    for (const int i : picks) pools[static_cast<std::size_t>(i) % pools.size()]->check(i);
    ++r.check_rounds;
    const auto deadline = steady::now() + round_bound;
    while (round->finished.load() < n && steady::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    r.check_timeouts += static_cast<std::uint64_t>(n - std::min(n, round->finished.load()));
  }
  std::this_thread::sleep_until(end);
}

}  // namespace

world_result run_world(const world_load_config& cfg, const endpoint_url& server, const std::vector<std::string>& tokens,
                       std::ostream& events) {
  run_state state;
  state.start = steady::now() + std::chrono::milliseconds(50);
  auto shares = shares_of(cfg.bots, cfg.threads);
  std::vector<std::unique_ptr<world_pool>> pools;
  pools.reserve(shares.size());
  for (auto& share : shares) pools.push_back(std::make_unique<world_pool>(cfg, server, state, share, tokens));
  pool_threads<world_pool> threads(pools);
  world_result r;
  r.ramp_s = wait_for_ramp(state, cfg.bots, cfg.ramp_per_second, cfg.connect_timeout_ms, events);

  const window_usage w = measure_window(state, cfg.warmup_s, cfg.duration_s, events, [&](steady::time_point end) {
    if (cfg.check_every > 0 && cfg.check_bots > 0) {
      check_loop(cfg, server, pools, end, r);
    } else {
      std::this_thread::sleep_until(end);
    }
  });
  r.window_s = w.window_s;
  r.client_cpu_s = w.cpu_s;
  r.client_rss_kib = w.rss_kib;
  r.connected = state.ready.load();
  r.failed = state.failed.load();
  r.closed_early = state.closed.load();

  threads.close(std::chrono::milliseconds(cfg.connect_timeout_ms + 1000));
  for (auto& p : pools) r.stats.merge(p->stats());
  events << "event closed" << std::endl;
  return r;
}

}  // namespace metronome::load
