// The edge gateway (seeds 000, 001) and region registry (seed 002's main
// server) over HTTP. Routes:
//   POST /edge/game/start, POST /edge/game/exit, GET /edge/sessions/{id},
//   GET /edge/sessions/{id}/replay (proxied to the session's region), GET /edge/time
//   POST /game/start, POST /game/exit   (seed 002's main server, proxied)
//   POST /api/regions/register, GET /api/regions
//   POST /edge/admin/sessions/{id}/migrate (admin token; migrate_api.cpp)
//   GET /healthz, GET /health, GET /metrics, and the web client's files at /
//   (/console: the operator console's page; its API: console_api.hpp).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "metronome/core/clock.hpp"
#include "metronome/edge/console_api.hpp"
#include "metronome/edge/geo.hpp"
#include "metronome/edge/region_directory.hpp"
#include "metronome/edge/session_cache.hpp"
#include "metronome/edge/upstream.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http.hpp"
#include "metronome/net/http_client.hpp"
#include "metronome/net/http_metrics.hpp"
#include "metronome/net/router.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/store/registry_store.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::edge {

struct edge_settings {
  std::string default_region = "eu";           ///< DEFAULT_REGION: rule 4 of the selection. Default eu.
  std::string registry_token;                  ///< REGISTRY_TOKEN: shared secret for /api/regions/register; empty refuses all.
  std::int64_t register_interval_ms = 30'000;  ///< REGISTER_INTERVAL_SECONDS: a region missing 3 heartbeats is down.
  std::int64_t cache_ttl_ms = 30'000;          ///< SESSION_CACHE_TTL_MS. Default 30 s.
  std::int64_t cache_active_ms = 1'000;        ///< SESSION_CACHE_ACTIVE_MS: an "active" answer is at most this old. Default 1 s.
  std::size_t cache_capacity = 100'000;        ///< SESSION_CACHE_MAX entries. Default 100,000.
  std::string web_root;                        ///< WEB_ROOT: directory served at / (the built web client). Default none.
  net::access_config auth;                     ///< AUTH_MODE, ADMIN_TOKEN (the regions decide; the edge refuses keyless exits early).
  double rate_per_second = 0;                  ///< RATE_LIMIT_PER_SECOND: starts and exits per client address; 0: off.
  double rate_burst = 20;                      ///< RATE_LIMIT_BURST.
  std::string world_url{};                     ///< WORLD_URL (ws://HOST:PORT/world): the console's world metrics. Default none.
  std::string world_operator_secret{};         ///< The world's operator secret (WORLD_DATA_DIR): the console's world map.
  /// LOAD_THRESHOLD: a start goes to the least loaded region instead of the
  /// one geography or the default picked when that one carries at least this
  /// many more WebSocket connections. Default 50; at least 1.
  std::int64_t load_threshold = 50;
};

struct edge_metrics {
  explicit edge_metrics();
  obs::registry registry;
  net::http_metrics http;
  obs::family<obs::counter>& proxied;          ///< {region, outcome}
  obs::family<obs::histogram>& proxy_latency;  ///< {region}
  obs::family<obs::counter>& decisions;        ///< {rule}
  obs::family<obs::counter>& cache_lookups;    ///< {result}
  obs::family<obs::gauge>& healthy_regions;

  // Label sets bound once (obs::handle: no lock, no lookup per request).
  // proxied and proxy_latency are labelled by region names known only at
  // run time; they use family::with() once per proxied request.
  obs::handle<obs::counter> cache_hit, cache_miss;
  obs::handle<obs::gauge> healthy_regions_now;
  /// decisions{rule} for each of choice::rules, in that order.
  std::array<obs::handle<obs::counter>, 7> decisions_by_rule;
  obs::counter& decision(std::string_view rule) const noexcept;
  /// proxied{region, outcome} and proxy_latency{region} for one proxied
  /// request, through a per-thread cache of the metrics (no lock, no label
  /// list built once a thread has seen the region and outcome).
  void count_proxied(const std::string& region, std::string_view outcome, double seconds);
  const std::uint64_t instance;  ///< Unique per edge_metrics in the process: the per-thread caches' key.
};

class edge_api {
 public:
  edge_api(edge_settings settings, region_directory& directory, session_cache& cache, store::session_store& sessions,
           store::registry_store& registry, upstream& client, const clock& clk, const country_map& countries, const geoip_lookup& geoip,
           const address_set& trusted_proxies, edge_metrics& metrics);

  void handle(net::request&& req, net::reply_fn reply);
  /// The events publisher's state as a JSON object, for /health's `events`
  /// (unset, the default: no events, no section). Set before serving.
  void set_events_status(std::function<std::string()> status) { events_status_ = std::move(status); }
  void observe(const net::exchange_summary& x, bool access_log) { metrics_.http.observe(x, access_log); }
  /// The edge's /metrics text (also the console's source=edge).
  std::string metrics_text();

  /// Background work, called every health interval by the process: probes
  /// each region's /healthz (round-trip time, up/down) and reloads the
  /// registry from the store, so every edge sharing the store agrees.
  void probe_regions(std::chrono::milliseconds timeout);
  void refresh_registry();

  /// How a region was chosen for a start.
  struct choice {
    region_view region;
    std::string rule;  ///< One of rules.
    static constexpr std::array<std::string_view, 7> rules{"preferredRegion", "x-user-region", "rtt", "geo", "load", "default", "fallback"};
    std::string country;
  };
  /// The selection rules in order; errc::unavailable when no region is
  /// healthy. `rtt_ms`: the client's measured RTT per region (the start's
  /// "rtt"), empty when it sent none.
  result<choice> choose_region(const net::request& req, const std::string& preferred,
                               const std::map<std::string, double>& rtt_ms = {}) const;

 private:
  struct start_input;
  void start(const net::request& req, net::reply_fn reply, const char* route, bool seed002);
  void exit(const net::request& req, net::reply_fn reply, const char* route, bool seed002);
  void session(const std::string& id, net::reply_fn reply);
  void replay(const std::string& id, const net::request& req, net::reply_fn reply);
  void metrics(net::reply_fn reply);
  void build_routes();
  void register_region(const net::request& req, net::reply_fn reply);
  void list_regions(net::reply_fn reply);
  void health(const char* route, net::reply_fn reply);
  // migrate_api.cpp: POST /edge/admin/sessions/{id}/migrate.
  void add_migrate_routes();
  void migrate(const std::string& id, const net::request& req, net::reply_fn reply);
  /// The region's WebSocket URL: its registered ws_url, else ws://HOST:PORT/ws.
  static std::string ws_url_of(const region_view& v);
  /// The edge's view of a stored session (GET /edge/sessions/{id}), as JSON text.
  static std::string session_view_json(const store::session_record& s);
  bool serve_file(const net::request& req, const net::reply_fn& reply);

  /// What a proxied request carries over from the client's request, kept
  /// (instead of the whole request) for a retry.
  struct proxy_origin {
    std::string request_id;
    std::string authorization;  ///< The client's Authorization, "" when none.
    std::string forwarded_for;  ///< The X-Forwarded-For to send.
  };
  std::shared_ptr<const proxy_origin> origin_of(const net::request& req) const;

  /// Sends `method target` (with `body` as JSON when not empty) to `region`
  /// with the request's id and X-Forwarded-For; feeds the circuit breaker
  /// and the metrics.
  void forward(const region_view& region, std::string method, const std::string& target, std::string body, const proxy_origin& from,
               net::client_callback done);

  edge_settings settings_;
  region_directory& directory_;
  session_cache& cache_;
  store::session_store& sessions_;
  store::registry_store& registry_;
  upstream& client_;
  const clock& clock_;
  const country_map& countries_;
  const geoip_lookup& geoip_;
  const address_set& trusted_;
  edge_metrics& metrics_;
  /// Takes a token from the client's bucket; false (after answering 429) when empty.
  bool admit(const net::request& req, const net::reply_fn& reply, std::string_view route);

  net::rate_limiter limiter_;
  console_api console_;  ///< The operator console's routes, added to router_.
  std::function<std::string()> events_status_;
  net::router router_;  ///< Built once in the constructor; read-only after.
  obs::logger log_{"edge"};
};

}  // namespace metronome::edge
