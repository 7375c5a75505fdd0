// The region node's HTTP API: seed 004's /v1/sessions, seeds 000 and 002's
// /game routes, health and metrics. Documented in docs/openapi.yaml.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "metronome/net/access.hpp"
#include "metronome/net/client_address.hpp"
#include "metronome/net/http.hpp"
#include "metronome/net/router.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/region/metrics.hpp"
#include "metronome/region/session_service.hpp"

namespace metronome::region {

/// What the health monitor last learned about the store (any thread).
class store_health {
 public:
  void record(bool ok, std::string error = {});
  bool ok() const noexcept { return ok_.load(); }
  std::string last_error() const;

 private:
  std::atomic<bool> ok_{true};
  mutable std::mutex mutex_;
  std::string error_;
};

/// What the region tells other components, and asks them (the tick broadcaster).
struct api_hooks {
  /// A session ended through this node (stop or exit).
  std::function<void(const store::session_record&)> session_ended;
  /// The players connected to a session on this node, as a JSON array.
  std::function<void(const std::string& id, std::function<void(std::string)> done)> players;
  /// The session moved to (region, wsUrl) and no longer lives here (routes_migrate.cpp).
  std::function<void(const std::string& id, const std::string& region, const std::string& ws_url)> session_moved;
  /// This node's load for /healthz: open WebSocket connections (unset: no load section).
  std::function<std::int64_t()> connections;
  /// The events publisher's state as a JSON object, for /health (unset: no events).
  std::function<std::string()> events_status;
};

/// Who may do what (docs/openapi.yaml, "Authorization" and "Rate limits").
struct api_access {
  net::access_config auth;           ///< AUTH_MODE, ADMIN_TOKEN.
  double rate_per_second = 0;        ///< RATE_LIMIT_PER_SECOND: creates and ends per client address; 0: off.
  double rate_burst = 20;            ///< RATE_LIMIT_BURST.
  net::address_set trusted_proxies;  ///< TRUSTED_PROXIES: whose X-Forwarded-For names the client (the edge).
};

class region_api {
 public:
  region_api(session_service& service, region_metrics& metrics, const store_health& health, api_access access = {});

  void set_hooks(api_hooks hooks) { hooks_ = std::move(hooks); }

  /// The net::handler: routes one request and replies exactly once.
  void handle(net::request&& req, net::reply_fn reply);

  /// Access log line and request metrics for one answered request.
  void observe(const net::exchange_summary& x, bool access_log);

  /// Largest step range one replay request may cover.
  static constexpr std::int64_t max_replay_steps_per_request = 100'000;

 private:
  void create_session(const net::request& req, net::reply_fn reply);
  void list_sessions(const net::request& req, net::reply_fn reply);
  void get_session(const std::string& id, net::reply_fn reply);
  void session_state(const std::string& id, net::reply_fn reply);
  void stop_session(const std::string& id, const net::request& req, net::reply_fn reply);
  void replay(const std::string& id, const net::request& req, net::reply_fn reply);
  void players(const std::string& id, net::reply_fn reply);
  void session_migrated(const std::string& id, const net::request& req, net::reply_fn reply);
  void game_start(const net::request& req, net::reply_fn reply);
  void game_exit(const net::request& req, net::reply_fn reply);
  void health(const char* route, net::reply_fn reply);
  void metrics(net::reply_fn reply);
  void build_routes();

  // access.cpp
  /// Takes a token from the client's bucket; false (after answering 429) when empty.
  bool admit(const net::request& req, const net::reply_fn& reply, std::string_view route);
  /// Calls `then` when the request may end session `id` (open mode; owner
  /// mode with its key or the admin token); else answers 403 (or the
  /// lookup's error) and changes nothing. `body_key` is the body's session_key.
  void authorize_end(const std::string& id, const net::request& req, std::string body_key, const net::reply_fn& reply,
                     std::string_view route, std::function<void()> then);
  /// A new session key for a create: the key to answer once, and its digest to store.
  struct issued_key {
    std::string key, digest;
  };
  static issued_key issue_key();

  session_service& service_;
  region_metrics& metrics_;
  const store_health& health_;
  api_access access_;
  net::rate_limiter limiter_;
  api_hooks hooks_;
  net::router router_;  ///< Built once in the constructor; read-only after.
  obs::logger log_{"region"};
};

}  // namespace metronome::region
