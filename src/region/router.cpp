// Path matching, method checks (405 with Allow), health and metrics.
#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "metronome/region/api.hpp"
#include "reply.hpp"

namespace metronome::region {

using detail::reply_error;
using detail::reply_json;

void store_health::record(bool ok, std::string error) {
  std::lock_guard lock(mutex_);
  ok_ = ok;
  error_ = std::move(error);
}

std::string store_health::last_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

namespace detail {

bool require_json(const net::request& req, const net::reply_fn& reply, const char* route) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  std::string type(req.header("content-type"));
  for (char& c : type) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const std::string_view essence = std::string_view(type).substr(0, type.find(';'));
  if (essence.find_first_not_of(' ') != std::string_view::npos &&
      essence.substr(essence.find_first_not_of(' '), 16) == "application/json") {
    return true;
  }
  reply_error(reply, make_error(errc::unsupported_media_type, "send the body as Content-Type: application/json"), route);
  return false;
}

}  // namespace detail

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

/// Session ids are UUIDs; anything else cannot name a session.
bool plausible_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

void method_not_allowed(const net::reply_fn& reply, const char* allow, const char* route) {
  net::response r = net::error_response(make_error(errc::method_not_allowed, std::string("allowed methods: ") + allow));
  r.headers.emplace_back("Allow", allow);
  r.route = route;
  reply(std::move(r));
}

}  // namespace

region_api::region_api(session_service& service, region_metrics& metrics, const store_health& health)
    : service_(service), metrics_(metrics), health_(health) {}

void region_api::handle(net::request&& req, net::reply_fn reply) {
  const auto parts = split_path(req.path);
  const std::string& m = req.method;
  auto only = [&](const char* method, const char* route) {
    if (m == method) return true;
    method_not_allowed(reply, method, route);
    return false;
  };

  if (parts.size() == 1 && (parts[0] == "healthz" || parts[0] == "health")) {
    const char* route = parts[0] == "healthz" ? "/healthz" : "/health";
    if (only("GET", route)) health(route, std::move(reply));
    return;
  }
  if (parts.size() == 1 && parts[0] == "metrics") {
    if (!only("GET", "/metrics")) return;
    net::response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.registry.render();
    r.route = "/metrics";
    reply(std::move(r));
    return;
  }
  if (parts.size() == 2 && parts[0] == "game" && (parts[1] == "start" || parts[1] == "exit")) {
    const bool start = parts[1] == "start";
    const char* route = start ? "/game/start" : "/game/exit";
    if (!only("POST", route) || !detail::require_json(req, reply, route)) return;
    start ? game_start(req, std::move(reply)) : game_exit(req, std::move(reply));
    return;
  }
  if (parts.size() >= 2 && parts[0] == "v1" && parts[1] == "sessions") {
    if (parts.size() == 2) {
      if (m == "POST") {
        if (detail::require_json(req, reply, "/v1/sessions")) create_session(req, std::move(reply));
      } else if (m == "GET") {
        list_sessions(req, std::move(reply));
      } else {
        method_not_allowed(reply, "GET, POST", "/v1/sessions");
      }
      return;
    }
    const std::string id(parts[2]);
    if (parts.size() == 3) {
      if (!only("GET", "/v1/sessions/{id}")) return;
      if (!plausible_id(id)) return reply_error(reply, make_error(errc::not_found, "no session " + id), "/v1/sessions/{id}");
      return get_session(id, std::move(reply));
    }
    if (parts.size() == 4) {
      const std::string_view action = parts[3];
      const char* route = action == "state"     ? "/v1/sessions/{id}/state"
                          : action == "stop"    ? "/v1/sessions/{id}/stop"
                          : action == "replay"  ? "/v1/sessions/{id}/replay"
                          : action == "players" ? "/v1/sessions/{id}/players"
                                                : nullptr;
      if (route != nullptr) {
        if (!only(action == "stop" ? "POST" : "GET", route)) return;
        if (!plausible_id(id)) return reply_error(reply, make_error(errc::not_found, "no session " + id), route);
        if (action == "state") return session_state(id, std::move(reply));
        if (action == "replay") return replay(id, req, std::move(reply));
        if (action == "players") return players(id, std::move(reply));
        if (detail::require_json(req, reply, route)) stop_session(id, req, std::move(reply));
        return;
      }
    }
  }
  reply_error(reply, make_error(errc::not_found, "no route for " + req.method + " " + req.path), "unmatched");
}

void region_api::health(const char* route, net::reply_fn reply) {
  boost::json::object o;
  const bool ok = health_.ok();
  o["status"] = ok ? "ok" : "degraded";
  o["region"] = service_.config().region;
  o["store"] = boost::json::object{{"kind", service_.store().kind()}, {"ok", ok}};
  if (!ok) o["store"].as_object()["error"] = health_.last_error();
  reply_json(reply, ok ? 200 : 503, o, route);
}

void region_api::observe(const net::exchange_summary& x, bool access_log) { metrics_.http.observe(x, access_log); }

}  // namespace metronome::region
