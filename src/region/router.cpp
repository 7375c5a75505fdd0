// The region's route table (net::router answers 404, 405 with Allow, HEAD
// and 415), health and metrics.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "metronome/net/reply.hpp"
#include "metronome/region/api.hpp"

namespace metronome::region {

using net::reply_error;
using net::reply_json;

void store_health::record(bool ok, std::string error) {
  std::lock_guard lock(mutex_);
  ok_ = ok;
  error_ = std::move(error);
}

std::string store_health::last_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

region_api::region_api(session_service& service, region_metrics& metrics, const store_health& health, api_access access)
    : service_(service),
      metrics_(metrics),
      health_(health),
      access_(std::move(access)),
      limiter_(access_.rate_per_second, access_.rate_burst) {
  build_routes();
}

void region_api::build_routes() {
  using net::body_kind;
  using net::path_params;
  using net::reply_fn;
  using net::request;
  router_.param("id", store::plausible_session_id, "no session ");
  router_.add("GET", "/healthz", [this](request&&, const path_params&, reply_fn r) { health("/healthz", std::move(r)); })
      .add("GET", "/health", [this](request&&, const path_params&, reply_fn r) { health("/health", std::move(r)); })
      .add("GET", "/metrics", [this](request&&, const path_params&, reply_fn r) { metrics(std::move(r)); })
      .add(
          "POST", "/game/start", [this](request&& q, const path_params&, reply_fn r) { game_start(q, std::move(r)); }, body_kind::json)
      .add(
          "POST", "/game/exit", [this](request&& q, const path_params&, reply_fn r) { game_exit(q, std::move(r)); }, body_kind::json)
      .add(
          "POST", "/v1/sessions", [this](request&& q, const path_params&, reply_fn r) { create_session(q, std::move(r)); },
          body_kind::json_optional)
      .add("GET", "/v1/sessions", [this](request&& q, const path_params&, reply_fn r) { list_sessions(q, std::move(r)); })
      .add("GET", "/v1/sessions/{id}", [this](request&&, const path_params& p, reply_fn r) { get_session(p[0], std::move(r)); })
      .add("GET", "/v1/sessions/{id}/state", [this](request&&, const path_params& p, reply_fn r) { session_state(p[0], std::move(r)); })
      .add(
          "POST", "/v1/sessions/{id}/stop", [this](request&& q, const path_params& p, reply_fn r) { stop_session(p[0], q, std::move(r)); },
          body_kind::json_optional)
      .add("GET", "/v1/sessions/{id}/replay", [this](request&& q, const path_params& p, reply_fn r) { replay(p[0], q, std::move(r)); })
      .add("GET", "/v1/sessions/{id}/players", [this](request&&, const path_params& p, reply_fn r) { players(p[0], std::move(r)); })
      .add(
          "POST", "/v1/sessions/{id}/migrated",
          [this](request&& q, const path_params& p, reply_fn r) { session_migrated(p[0], q, std::move(r)); }, body_kind::json);
}

void region_api::handle(net::request&& req, net::reply_fn reply) {
  if (router_.dispatch(req, reply)) return;
  reply_error(reply, make_error(errc::not_found, "no route for " + req.method + " " + req.path), "unmatched");
}

void region_api::metrics(net::reply_fn reply) {
  net::response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.registry.render();
  r.route = "/metrics";
  reply(std::move(r));
}

void region_api::health(const char* route, net::reply_fn reply) {
  boost::json::object o;
  const bool ok = health_.ok();
  o["status"] = ok ? "ok" : "degraded";
  o["region"] = service_.config().region;
  o["store"] = boost::json::object{{"kind", service_.store().kind()}, {"ok", ok}};
  if (!ok) o["store"].as_object()["error"] = health_.last_error();
  // The edge's load rule reads this (docs/openapi.yaml Health).
  if (hooks_.connections) o["load"] = boost::json::object{{"connections", hooks_.connections()}};
  // Events report their own state but never make the node unhealthy: a
  // NATS outage or a full outbox does not stop games (docs/events.md).
  if (hooks_.events_status) o["events"] = boost::json::parse(hooks_.events_status());
  reply_json(reply, ok ? 200 : 503, o, route);
}

void region_api::observe(const net::exchange_summary& x, bool access_log) { metrics_.http.observe(x, access_log); }

}  // namespace metronome::region
