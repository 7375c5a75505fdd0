// The operator console's API on the edge (docs/console.md). Every route is
// the admin's: `Authorization: Bearer ADMIN_TOKEN`, else 401 with a JSON
// error; with no ADMIN_TOKEN configured, 403 saying how to turn it on.
//   GET  /edge/admin/regions                what /api/regions gives, with heartbeat ages
//   GET  /edge/admin/sessions               every user's sessions (store list_recent or list_by_user)
//   GET  /edge/admin/sessions/{id}          the record and its players (from the owning region)
//   POST /edge/admin/sessions/{id}/stop     proxied to the owning region with the admin token
//   GET  /edge/admin/metrics?source=...     Prometheus text: edge, region:NAME or world
//   GET  /edge/admin/world/map              the world's GET /world/map (its operator secret), as it answered
// The page itself (/console, web/console.html) is public: it holds no data,
// and keeps the token the operator types in sessionStorage.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>

#include "metronome/core/clock.hpp"
#include "metronome/edge/region_directory.hpp"
#include "metronome/edge/upstream.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http.hpp"
#include "metronome/net/router.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::edge {

struct console_settings {
  net::access_config auth;  ///< ADMIN_TOKEN: empty turns the console's routes off (403). Sent to regions for stops.
  std::string world_url;    ///< WORLD_URL (ws://HOST:PORT/world): source=world reads http://HOST:PORT/metrics. Empty: no world.
  /// The world's operator secret (its token secret unless it runs with
  /// --operator-secret-file), sent with GET /world/map. Empty: no map (503).
  std::string world_operator_secret;
};

/// A region as /api/regions and /edge/admin/regions show it (one home).
boost::json::object region_json(const region_view& v);

class console_api {
 public:
  /// `edge_metrics_text` renders the edge's own /metrics (source=edge).
  console_api(console_settings settings, region_directory& directory, store::session_store& sessions, upstream& client, const clock& clk,
              std::function<std::string()> edge_metrics_text);

  /// Adds the routes above to `r` (the edge's router, whose {id} check applies).
  void add_routes(net::router& r);

 private:
  /// True when the request is the admin's; else answers 401/403 and false.
  bool admit(const net::request& req, const net::reply_fn& reply, const char* route) const;
  void regions(net::reply_fn reply);
  void sessions(const net::request& req, net::reply_fn reply);
  void session(const std::string& id, const net::request& req, net::reply_fn reply);
  void stop(const std::string& id, const net::request& req, net::reply_fn reply);
  void metrics(const net::request& req, net::reply_fn reply);
  void world_map(const net::request& req, net::reply_fn reply);

  /// Sends `method target` to `host:port` with the request id and, when
  /// `as_admin`, the admin token (else `bearer`, when not empty).
  void send(const std::string& host, std::uint16_t port, std::string method, std::string target, const std::string& request_id,
            bool as_admin, net::client_callback done, const std::string& bearer = {});
  /// The region that owns a session, healthy or not; nullopt when unknown.
  std::optional<region_view> owner_of(const store::session_record& s) const;

  console_settings settings_;
  region_directory& directory_;
  store::session_store& sessions_;
  upstream& client_;
  const clock& clock_;
  std::function<std::string()> edge_metrics_text_;
};

}  // namespace metronome::edge
