// The operator console's routes (console_api.hpp): admin checks, region and
// session views, and the requests proxied to regions and the world.
#include "metronome/edge/console_api.hpp"

#include <charconv>

#include "metronome/core/time_format.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/reply.hpp"

namespace metronome::edge {

namespace json = boost::json;
using net::reply_error;
using net::reply_json;

namespace {

// An operator's view of a stored session: everything but the secrets (a
// server-mode seed and salt stay hidden until the session ends, as
// everywhere). Times in ms since the Unix epoch, for the console's sums.
json::object record_json(const store::session_record& s) {
  json::object o{{"id", s.id},
                 {"user_id", s.user_id},
                 {"region", s.region},
                 {"status", s.public_status(store::status_vocabulary::v1)},
                 {"mode", store::mode_name(s.mode)},
                 {"created_at_ms", s.created_at_ms},
                 {"start_at_ms", s.start_at_ms},
                 {"tick_ms", s.tick_ms}};
  o["ended_at_ms"] = s.ended_at_ms ? json::value(*s.ended_at_ms) : json::value(nullptr);
  o["seed"] = s.seed_visible() ? json::value(std::to_string(s.seed)) : json::value(nullptr);
  boost::system::error_code ec;
  o["rule"] = json::parse(s.rule_json, ec);
  if (ec) o["rule"] = nullptr;
  return o;
}

// The region's answer as it came (status, type, body), or 502 when none came.
void relay(const net::reply_fn& reply, const result<net::client_response>& r, const std::string& who, const char* route) {
  if (!r) return reply_error(reply, make_error(errc::unavailable, who + " did not answer: " + r.error().message), route);
  net::response res;
  res.status = r->status;
  if (const std::string_view type = r->header("content-type"); !type.empty()) res.content_type = std::string(type);
  res.body = r->body;
  res.route = route;
  reply(std::move(res));
}

// "ws://HOST:PORT/..." -> host and port; errc::invalid_argument otherwise.
result<std::pair<std::string, std::uint16_t>> world_http_address(std::string_view ws_url) {
  if (!ws_url.starts_with("ws://")) return make_error(errc::invalid_argument, "WORLD_URL must be ws://HOST:PORT/PATH");
  return net::parse_http_base_url("http://" + std::string(ws_url.substr(5)));
}

}  // namespace

json::object region_json(const region_view& v) {
  json::object o{{"region", v.name},
                 {"base_url", v.base_url},
                 {"ws_url", v.ws_url},
                 {"status", v.healthy ? "up" : "down"},
                 {"source", v.is_static ? "static" : "registered"},
                 {"heartbeat", v.heartbeat_fresh ? "fresh" : "missed"},
                 {"probe_ok", v.probe_ok},
                 {"breaker", v.breaker},
                 {"rtt_ms", v.rtt_ms},
                 {"load", json::object{{"inflight", v.inflight},
                                       {"proxied_total", v.proxied_total},
                                       {"connections", v.connections < 0 ? json::value(nullptr) : json::value(v.connections)}}}};
  o["last_seen"] = v.last_seen_ms > 0 ? json::value(rfc3339_ms(v.last_seen_ms)) : json::value(nullptr);
  return o;
}

console_api::console_api(console_settings settings, region_directory& directory, store::session_store& sessions, upstream& client,
                         const clock& clk, std::function<std::string()> edge_metrics_text)
    : settings_(std::move(settings)),
      directory_(directory),
      sessions_(sessions),
      client_(client),
      clock_(clk),
      edge_metrics_text_(std::move(edge_metrics_text)) {}

void console_api::add_routes(net::router& r) {
  using net::path_params;
  using net::reply_fn;
  using net::request;
  r.add("GET", "/edge/admin/regions",
        [this](request&& q, const path_params&, reply_fn out) {
          if (admit(q, out, "/edge/admin/regions")) regions(std::move(out));
        })
      .add("GET", "/edge/admin/sessions",
           [this](request&& q, const path_params&, reply_fn out) {
             if (admit(q, out, "/edge/admin/sessions")) sessions(q, std::move(out));
           })
      .add("GET", "/edge/admin/sessions/{id}",
           [this](request&& q, const path_params& p, reply_fn out) {
             if (admit(q, out, "/edge/admin/sessions/{id}")) session(p[0], q, std::move(out));
           })
      .add(
          "POST", "/edge/admin/sessions/{id}/stop",
          [this](request&& q, const path_params& p, reply_fn out) {
            if (admit(q, out, "/edge/admin/sessions/{id}/stop")) stop(p[0], q, std::move(out));
          },
          net::body_kind::json_optional)
      .add("GET", "/edge/admin/metrics",
           [this](request&& q, const path_params&, reply_fn out) {
             if (admit(q, out, "/edge/admin/metrics")) metrics(q, std::move(out));
           })
      .add("GET", "/edge/admin/world/map", [this](request&& q, const path_params&, reply_fn out) {
        if (admit(q, out, "/edge/admin/world/map")) world_map(q, std::move(out));
      });
}

bool console_api::admit(const net::request& req, const net::reply_fn& reply, const char* route) const {
  if (settings_.auth.admin_token.empty()) {
    reply_error(reply,
                make_error(errc::forbidden,
                           "the console is off: start the edge with --admin-token TOKEN (ADMIN_TOKEN, at least 16 characters); "
                           "metronome up sets one and prints it"),
                route);
    return false;
  }
  if (net::is_admin(req, settings_.auth)) return true;
  net::response r = net::error_response(make_error(errc::unauthorized, "the console needs the admin token (Authorization: Bearer ...)"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"metronome-console\"");
  r.route = route;
  reply(std::move(r));
  return false;
}

void console_api::regions(net::reply_fn reply) {
  const std::int64_t now = clock_.now_ms();
  json::array out;
  for (const auto& v : directory_.all(now)) {
    json::object o = region_json(v);
    // Static regions send no heartbeats: their age is null, not "never".
    o["heartbeat_age_ms"] = v.last_seen_ms > 0 ? json::value(std::max<std::int64_t>(0, now - v.last_seen_ms)) : json::value(nullptr);
    o["registered_at_ms"] = v.registered_at_ms;
    out.push_back(std::move(o));
  }
  reply_json(reply, 200, json::object{{"regions", std::move(out)}, {"now_ms", now}}, "/edge/admin/regions");
}

void console_api::sessions(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/admin/sessions";
  std::size_t limit = 20;
  if (auto text = req.query_param("limit")) {
    unsigned n = 0;
    const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (text->empty() || ec != std::errc{} || p != text->data() + text->size() || n < 1 || n > 100) {
      return reply_error(reply, make_error(errc::invalid_argument, "limit must be an integer from 1 to 100"), route);
    }
    limit = n;
  }
  const std::string cursor = req.query_param("cursor").value_or("");
  const std::string user = req.query_param("userId").value_or("");
  const std::string region = req.query_param("region").value_or("");
  const std::string status_text = req.query_param("status").value_or("");
  std::optional<store::session_status> status;
  if (!status_text.empty()) {
    // The console speaks /v1's names; "active" (seed 002's) is accepted too.
    status = store::status_named(status_text == "active" ? std::string_view("running") : std::string_view(status_text));
    if (!status) return reply_error(reply, make_error(errc::invalid_argument, "status must be running, stopped or exited"), route);
  }
  if (!region.empty() && !store::valid_region_name(region)) {
    return reply_error(reply, make_error(errc::invalid_argument, "region must be " + std::string(store::region_name_rule)), route);
  }
  auto answer = [reply](result<store::page> r) {
    if (!r) return reply_error(reply, r.error(), route);
    json::array list;
    for (const auto& s : r->sessions) list.push_back(record_json(s));
    reply_json(reply, 200,
               json::object{{"sessions", std::move(list)},
                            {"next_cursor", r->next_cursor.empty() ? json::value(nullptr) : json::value(r->next_cursor)}},
               route);
  };
  if (user.empty()) {
    return sessions_.list_recent(store::recent_filter{.region = region, .status = status, .limit = limit, .cursor = cursor},
                                 std::move(answer));
  }
  // A user's history is short: their index, filtered here. A page may be
  // short while next_cursor is not null (docs/console.md).
  sessions_.list_by_user(store::page_request{.user_id = user, .limit = limit, .cursor = cursor},
                         [answer, region, status](result<store::page> r) {
                           if (r) {
                             std::erase_if(r->sessions, [&](const store::session_record& s) {
                               return (!region.empty() && s.region != region) || (status && s.status != *status);
                             });
                           }
                           answer(std::move(r));
                         });
}

std::optional<region_view> console_api::owner_of(const store::session_record& s) const {
  return directory_.find(s.region, clock_.now_ms());
}

void console_api::send(const std::string& host, std::uint16_t port, std::string method, std::string target, const std::string& request_id,
                       bool as_admin, net::client_callback done, const std::string& bearer) {
  net::client_request cr;
  cr.method = std::move(method);
  cr.host = host;
  cr.port = port;
  cr.target = std::move(target);
  cr.headers.emplace_back("X-Request-Id", request_id);
  if (as_admin) cr.headers.emplace_back("Authorization", "Bearer " + settings_.auth.admin_token);
  if (!bearer.empty()) cr.headers.emplace_back("Authorization", "Bearer " + bearer);
  client_.request(std::move(cr), std::move(done));
}

void console_api::session(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/admin/sessions/{id}";
  sessions_.get(id, [this, reply, id, request_id = req.request_id](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    auto body = std::make_shared<json::object>(json::object{{"session", record_json(*r)}});
    // The players are known only to the region holding their connections.
    const auto owner = owner_of(*r);
    if (!owner) {
      (*body)["players"] = nullptr;
      (*body)["players_error"] = "region " + r->region + " is not known to this edge";
      return reply_json(reply, 200, *body, route);
    }
    send(owner->host, owner->port, "GET", "/v1/sessions/" + id + "/players", request_id, true,
         [reply, body, name = owner->name](result<net::client_response> p) {
           boost::system::error_code ec;
           json::value v;
           if (p && p->status == 200) v = json::parse(p->body, ec);
           const json::value* players = !ec && v.is_object() ? v.as_object().if_contains("players") : nullptr;
           if (players != nullptr && players->is_array()) {
             (*body)["players"] = *players;
           } else {
             (*body)["players"] = nullptr;
             (*body)["players_error"] = p ? "region " + name + " answered HTTP " + std::to_string(p->status)
                                          : "region " + name + " did not answer: " + p.error().message;
           }
           reply_json(reply, 200, *body, route);
         });
  });
}

void console_api::stop(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/admin/sessions/{id}/stop";
  sessions_.get(id, [this, reply, id, request_id = req.request_id](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    // The owner when healthy, else any healthy region: they share the store.
    std::optional<region_view> to = owner_of(*r);
    if (!to || !to->healthy) {
      auto any = directory_.healthy(clock_.now_ms());
      if (any.empty()) return reply_error(reply, make_error(errc::unavailable, "no healthy region can stop the session"), route);
      to = std::move(any.front());
    }
    send(to->host, to->port, "POST", "/v1/sessions/" + id + "/stop", request_id, true,
         [reply, name = to->name](const result<net::client_response>& p) { relay(reply, p, "region " + name, route); });
  });
}

void console_api::metrics(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/admin/metrics";
  const std::string source = req.query_param("source").value_or("edge");
  if (source == "edge") {
    net::response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = edge_metrics_text_();
    r.route = route;
    return reply(std::move(r));
  }
  if (source == "world") {
    if (settings_.world_url.empty()) {
      return reply_error(reply, make_error(errc::not_found, "this edge knows no world gateway (start it with --world-url, WORLD_URL)"),
                         route);
    }
    auto at = world_http_address(settings_.world_url);
    if (!at) return reply_error(reply, at.error(), route);
    return send(at->first, at->second, "GET", "/metrics", req.request_id, false,
                [reply](const result<net::client_response>& p) { relay(reply, p, "the world gateway", route); });
  }
  if (source.starts_with("region:")) {
    const std::string name = source.substr(7);
    auto v = directory_.find(name, clock_.now_ms());
    if (!v) return reply_error(reply, make_error(errc::not_found, "no region named '" + name.substr(0, 64) + "'"), route);
    return send(v->host, v->port, "GET", "/metrics", req.request_id, false,
                [reply, name](const result<net::client_response>& p) { relay(reply, p, "region " + name, route); });
  }
  reply_error(reply, make_error(errc::invalid_argument, "source must be edge, world or region:NAME"), route);
}

void console_api::world_map(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/admin/world/map";
  if (settings_.world_url.empty()) {
    return reply_error(reply, make_error(errc::not_found, "this edge knows no world gateway (start it with --world-url, WORLD_URL)"),
                       route);
  }
  if (settings_.world_operator_secret.empty()) {
    return reply_error(reply,
                       make_error(errc::unavailable,
                                  "this edge does not know the world's operator secret (start it with --world-data-dir, WORLD_DATA_DIR)"),
                       route);
  }
  auto at = world_http_address(settings_.world_url);
  if (!at) return reply_error(reply, at.error(), route);
  send(
      at->first, at->second, "GET", "/world/map", req.request_id, false,
      [reply](const result<net::client_response>& p) {
        if (!p) return reply_error(reply, make_error(errc::unavailable, "the world gateway did not answer: " + p.error().message), route);
        // The world's refusals are the edge's configuration, not the caller's: 503 saying which.
        if (p->status != 200) {
          return reply_error(
              reply,
              make_error(errc::unavailable, "the world gateway answered HTTP " + std::to_string(p->status) +
                                                (p->status == 401 ? " (its operator secret is not the one in WORLD_DATA_DIR)" : "")),
              route);
        }
        relay(reply, p, "the world gateway", route);
      },
      settings_.world_operator_secret);
}

}  // namespace metronome::edge
