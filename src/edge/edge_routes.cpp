// The edge's game routes: choosing a region, proxying start and exit, and the
// session cache.
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "metronome/core/time_format.hpp"
#include "metronome/edge/edge_api.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/json_body.hpp"
#include "metronome/net/reply.hpp"

namespace metronome::edge {

namespace json = boost::json;
using net::reply_error;
using net::reply_json;

namespace {

/// The first of two spellings present as a string; "" when absent;
/// errc::invalid_argument when present with another type.
result<std::string> string_field(const json::object& o, std::string_view a, std::string_view b = {}) {
  for (const std::string_view name : {a, b}) {
    if (name.empty()) continue;
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) return make_error(errc::invalid_argument, std::string(name) + " must be a string");
    return std::string(v->as_string());
  }
  return std::string();
}

/// The edge's view of a session: what a client needs to run it and where it lives.
json::object edge_view_from_game(const json::object& game, const std::string& region) {
  json::object o(game.storage());
  for (const char* k : {"gameId", "seed", "startAt", "tickMs", "status", "rule", "mode", "commitment", "user_id"}) {
    if (const json::value* v = game.if_contains(k)) o[k] = *v;
  }
  o["backendRegion"] = region;
  return o;
}

json::object edge_view_from_record(const store::session_record& s) {
  json::object o;
  o["gameId"] = s.id;
  o["seed"] = s.seed_visible() ? json::value(s.seed) : json::value(nullptr);
  o["startAt"] = s.start_at_ms;
  o["tickMs"] = s.tick_ms;
  o["status"] = s.public_status(store::status_vocabulary::seed002);
  boost::system::error_code ec;
  o["rule"] = json::parse(s.rule_json, ec);
  o["mode"] = store::mode_name(s.mode);
  if (!s.commitment.empty())
    o["commitment"] = json::object{{"algorithm", "sha256"}, {"value", s.commitment}};  // docs/openapi.yaml Commitment
  o["user_id"] = s.user_id;
  o["backendRegion"] = s.region;
  return o;
}

}  // namespace

std::string edge_api::session_view_json(const store::session_record& s) { return json::serialize(edge_view_from_record(s)); }

/// The start's "rtt" (docs/openapi.yaml StartRequest): an object of region
/// name -> the client's measured RTT in ms. Absent or null: empty. Every
/// value must be a finite number >= 0 (else errc::invalid_argument, whatever
/// the name); names the edge does not know are dropped by the caller.
result<std::map<std::string, double>> rtt_field(const json::object& o) {
  std::map<std::string, double> out;
  const json::value* v = o.if_contains("rtt");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return make_error(errc::invalid_argument, "rtt must be an object of region name -> milliseconds");
  if (v->as_object().size() > 64) return make_error(errc::invalid_argument, "rtt names at most 64 regions");
  for (const auto& [name, ms] : v->as_object()) {
    const std::string key(name.substr(0, 32));
    if (!ms.is_number()) return make_error(errc::invalid_argument, "rtt." + key + " must be a number of milliseconds");
    const double x = ms.to_number<double>();
    if (!std::isfinite(x) || x < 0) return make_error(errc::invalid_argument, "rtt." + key + " must be 0 or more");
    out.emplace(std::string(name), x);
  }
  return out;
}

result<edge_api::choice> edge_api::choose_region(const net::request& req, const std::string& preferred,
                                                 const std::map<std::string, double>& rtt_ms) const {
  const std::int64_t now = clock_.now_ms();
  auto healthy = [&](const std::string& name) -> std::optional<region_view> {
    if (name.empty()) return std::nullopt;
    auto v = directory_.find(name, now);
    if (v && v->healthy) return v;
    return std::nullopt;
  };
  if (auto v = healthy(preferred)) return choice{*v, "preferredRegion", ""};
  if (auto v = healthy(std::string(req.header("x-user-region")))) return choice{*v, "x-user-region", ""};
  // The caller named none: what the client measured, then where it is, then
  // load (docs/protocol.md "Region selection").
  const auto all_healthy = directory_.healthy(now);
  if (!rtt_ms.empty()) {
    if (auto v = lowest_rtt(all_healthy, rtt_ms)) return choice{*v, "rtt", ""};
  }
  // Geography and the default name a region of their own accord: the least
  // loaded one takes over when it carries load_threshold fewer connections.
  auto or_less_loaded = [&](region_view v, const char* rule, const std::string& country) {
    if (auto lighter = less_loaded(v, all_healthy, settings_.load_threshold)) return choice{*lighter, "load", country};
    return choice{std::move(v), rule, country};
  };
  std::string country(req.header("cf-ipcountry"));
  if (country.empty() || country == "XX" || country == "T1") {
    const std::string client = client_address(req.remote_address, req.header("x-forwarded-for"), trusted_);
    country = geoip_.country_of(client).value_or("");
  }
  if (!country.empty()) {
    if (const auto region = countries_.region_for(country)) {
      if (auto v = healthy(*region)) return or_less_loaded(*v, "geo", country);
    }
  }
  if (auto v = healthy(settings_.default_region)) return or_less_loaded(*v, "default", country);
  if (!all_healthy.empty()) return or_less_loaded(all_healthy.front(), "fallback", country);
  return make_error(errc::unavailable, "no healthy region can take the session");
}

std::shared_ptr<const edge_api::proxy_origin> edge_api::origin_of(const net::request& req) const {
  auto o = std::make_shared<proxy_origin>();
  o->request_id = req.request_id;
  // The region decides who may end a session: the admin token goes through.
  o->authorization = std::string(req.header("authorization"));
  // The chain goes on only from a trusted proxy: a client's own
  // X-Forwarded-For would otherwise pick its address at the region (rate
  // limits, TRUSTED_PROXIES there).
  const std::string_view xff = trusted_.contains(req.remote_address) ? req.header("x-forwarded-for") : std::string_view{};
  if (xff.empty()) {
    o->forwarded_for = req.remote_address;
  } else {
    o->forwarded_for.append(xff).append(", ").append(req.remote_address);
  }
  return o;
}

void edge_api::forward(const region_view& region, std::string method, const std::string& target, std::string body, const proxy_origin& from,
                       net::client_callback done) {
  net::client_request cr;
  cr.method = std::move(method);
  cr.host = region.host;
  cr.port = region.port;
  cr.target = target;
  cr.headers.reserve(4);
  if (!body.empty()) cr.headers.emplace_back("Content-Type", "application/json");
  cr.body = std::move(body);
  cr.headers.emplace_back("X-Request-Id", from.request_id);
  if (!from.authorization.empty()) cr.headers.emplace_back("Authorization", from.authorization);
  cr.headers.emplace_back("X-Forwarded-For", from.forwarded_for);
  directory_.begin_request(region.name, clock_.now_ms());
  const std::int64_t started = clock_.monotonic_us();
  client_.request(std::move(cr), [this, name = region.name, started, done = std::move(done)](result<net::client_response> r) {
    directory_.end_request(name);
    const bool failed = !r || r->status >= 500;
    if (failed) {
      directory_.record_failure(name, clock_.now_ms());
    } else {
      directory_.record_success(name);
    }
    static constexpr std::array<std::string_view, 6> classes{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};
    const std::string_view outcome = !r ? errc_name(r.error().code) : classes[std::min<std::size_t>(r->status / 100, 5)];
    metrics_.count_proxied(name, outcome, static_cast<double>(clock_.monotonic_us() - started) / 1e6);
    done(std::move(r));
  });
}

bool edge_api::admit(const net::request& req, const net::reply_fn& reply, std::string_view route) {
  if (!limiter_.enabled()) return true;
  const std::string client = client_address(req.remote_address, req.header("x-forwarded-for"), trusted_);
  const std::int64_t wait_ms = limiter_.admit(client, clock_.monotonic_us() / 1000);
  if (wait_ms == 0) return true;
  net::reply_rate_limited(reply, wait_ms, route);
  return false;
}

void edge_api::start(const net::request& req, net::reply_fn reply, const char* route, bool seed002) {
  if (!admit(req, reply, route)) return;
  auto body = net::parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  auto user = string_field(*body, "userId", "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  if (user->empty()) return reply_error(reply, make_error(errc::invalid_argument, "userId is required"), route);
  auto preferred = string_field(*body, seed002 ? "region" : "preferredRegion", seed002 ? "preferredRegion" : "region");
  if (!preferred) return reply_error(reply, preferred.error(), route);
  auto rtt = rtt_field(*body);
  if (!rtt) return reply_error(reply, rtt.error(), route);
  auto chosen = choose_region(req, *preferred, *rtt);
  if (!chosen) return reply_error(reply, chosen.error(), route);
  metrics_.decision(chosen->rule).inc();

  // The region gets the player's request without the routing hints.
  body->erase("preferredRegion");
  body->erase("region");
  body->erase("rtt");
  auto forwarded = std::make_shared<std::string>(json::serialize(*body));
  auto first = std::make_shared<choice>(std::move(*chosen));
  auto finish = [this, reply, route, first](const region_view& served_by, const net::client_response& res,
                                            const std::string& retried_from) {
    boost::system::error_code ec;
    // The region's answer is parsed once into a stack buffer (the edge's
    // fields are added to it, the cache entry is cut from it), and
    // serialized once for the client.
    std::array<unsigned char, 4096> arena;
    json::monotonic_resource mr(arena.data(), arena.size());
    json::value v = json::parse(res.body, ec, &mr);
    if (ec || !v.is_object()) {
      return reply_error(reply, make_error(errc::internal, "region " + served_by.name + " sent an unreadable answer"), route);
    }
    json::object& o = v.as_object();
    if (res.status < 300) {
      // The owner: usually the region that served the start, but a user's
      // running session returned from the shared store may live elsewhere.
      const json::value* owner_field = o.if_contains("region");
      const std::string owner = owner_field != nullptr && owner_field->is_string() ? std::string(owner_field->as_string()) : served_by.name;
      o["backendRegion"] = owner;
      if (owner != served_by.name) o["servedBy"] = served_by.name;
      o["routedBy"] = first->rule;
      if (!first->country.empty()) o["country"] = first->country;
      if (!retried_from.empty()) o["retriedFrom"] = retried_from;
      if (!served_by.ws_url.empty()) o["wsEndpoint"] = served_by.ws_url;
      if (const json::value* id = o.if_contains("gameId"); id != nullptr && id->is_string()) {
        const std::string gid(id->as_string());
        const json::value* status = o.if_contains("status");
        const bool active = status != nullptr && status->is_string() && status->as_string() == "active";
        cache_.put(gid, cached_session{owner, json::serialize(edge_view_from_game(o, owner)), active}, clock_.now_ms());
      }
    }
    reply_json(reply, res.status, v, route);  // v: passing o would copy it into a json::value first
  };
  auto origin = origin_of(req);
  forward(first->region, "POST", "/game/start", *forwarded, *origin,
          [this, reply, route, first, forwarded, finish, origin](result<net::client_response> r) {
            if (r && r->status < 500) return finish(first->region, *r, "");
            // Retry once on the next healthy region. Safe even if the first
            // region did create the session and only the answer was lost:
            // regions share the store and /game/start returns a user's
            // running session instead of creating a second one.
            const auto next = directory_.healthy(clock_.now_ms(), first->region.name);
            log_.warn("start failed, retrying elsewhere", {{"request_id", origin->request_id},
                                                           {"region", first->region.name},
                                                           {"error", r ? "HTTP " + std::to_string(r->status) : r.error().message},
                                                           {"next", next.empty() ? std::string("none") : next.front().name}});
            if (next.empty()) {
              if (r) return finish(first->region, *r, "");
              return reply_error(
                  reply, make_error(errc::unavailable, "region " + first->region.name + " is unavailable and no other is healthy"), route);
            }
            forward(next.front(), "POST", "/game/start", *forwarded, *origin,
                    [reply, route, finish, next = next.front(), failed = first->region.name](result<net::client_response> r2) {
                      if (!r2)
                        return reply_error(
                            reply, make_error(errc::unavailable, "regions " + failed + " and " + next.name + " are unavailable"), route);
                      finish(next, *r2, failed);
                    });
          });
}

void edge_api::exit(const net::request& req, net::reply_fn reply, const char* route, bool seed002) {
  if (!admit(req, reply, route)) return;
  auto body = net::parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  auto id = string_field(*body, seed002 ? "session_id" : "gameId", seed002 ? "gameId" : "session_id");
  if (!id) return reply_error(reply, id.error(), route);
  if (id->empty()) return reply_error(reply, make_error(errc::invalid_argument, "gameId is required"), route);
  auto user = string_field(*body, "userId", "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  auto named = string_field(*body, "backendRegion");
  if (!named) return reply_error(reply, named.error(), route);
  auto key = string_field(*body, "session_key");
  if (!key) return reply_error(reply, key.error(), route);
  if (key->empty()) *key = std::string(req.header("x-session-key"));
  // Owner mode: the region checks the key; one that was never given can be
  // refused here without a round trip.
  if (settings_.auth.mode == net::auth_mode::owner && key->empty() && !net::is_admin(req, settings_.auth)) {
    return reply_error(
        reply, make_error(errc::forbidden, "ending this session needs its session key (X-Session-Key or session_key) or the admin token"),
        route);
  }

  json::object forwarded{{"gameId", *id}};
  if (!user->empty()) forwarded["userId"] = *user;
  if (!key->empty()) forwarded["session_key"] = *key;
  auto payload = std::make_shared<std::string>(json::serialize(forwarded));
  auto origin = origin_of(req);
  const std::string game_id = *id;

  // Sends to the owning region if healthy, else to any healthy region (they
  // share the store, so any of them can end it); one retry elsewhere.
  auto send = [this, reply, route, payload, origin, game_id](const std::string& owner, const std::string& found_by) {
    const std::int64_t now = clock_.now_ms();
    std::vector<region_view> targets;
    if (auto v = directory_.find(owner, now); v && v->healthy) targets.push_back(*v);
    for (auto& v : directory_.healthy(now, owner)) targets.push_back(std::move(v));
    if (targets.empty()) return reply_error(reply, make_error(errc::unavailable, "no healthy region can end the session"), route);
    auto finish = [this, reply, route, owner, found_by, game_id](const std::string& served_by, const net::client_response& res) {
      boost::system::error_code ec;
      json::value v = json::parse(res.body, ec);
      if (ec || !v.is_object())
        return reply_error(reply, make_error(errc::internal, "region " + served_by + " sent an unreadable answer"), route);
      json::object& o = v.as_object();
      if (res.status < 300) {
        // The session's own region, from the answer: a backendRegion named
        // in the request only picks where to send the exit.
        const json::value* owned = o.if_contains("region");
        o["backendRegion"] = owned != nullptr && owned->is_string() ? json::value(owned->as_string()) : json::value(owner);
        o["servedBy"] = served_by;
        o["regionFrom"] = found_by;
        cache_.erase(game_id);
      }
      reply_json(reply, res.status, v, route);  // v: passing o would copy it into a json::value first
    };
    forward(targets.front(), "POST", "/game/exit", *payload, *origin,
            [this, reply, route, payload, origin, targets, finish](result<net::client_response> r) {
              if (r && r->status < 500) return finish(targets.front().name, *r);
              if (targets.size() < 2) {
                if (r) return finish(targets.front().name, *r);
                return reply_error(reply, make_error(errc::unavailable, "region " + targets.front().name + " is unavailable"), route);
              }
              forward(targets[1], "POST", "/game/exit", *payload, *origin,
                      [reply, route, finish, name = targets[1].name](result<net::client_response> r2) {
                        if (!r2) return reply_error(reply, make_error(errc::unavailable, "no region could end the session"), route);
                        finish(name, *r2);
                      });
            });
  };

  const std::int64_t now = clock_.now_ms();
  if (!named->empty() && directory_.find(*named, now)) return send(*named, "body");
  if (auto owner = cache_.owner(game_id, now)) {
    metrics_.cache_hit->inc();
    return send(*owner, "cache");
  }
  metrics_.cache_miss->inc();
  sessions_.get(game_id, [reply, route, send, game_id](result<store::session_record> r) {
    if (r) return send(r->region, "store");
    if (r.error().code == errc::not_found) return reply_error(reply, make_error(errc::not_found, "no session " + game_id), route);
    reply_error(reply,
                make_error(errc::invalid_argument, "cannot tell which region owns the session (give backendRegion): " + r.error().message),
                route);
  });
}

void edge_api::session(const std::string& id, net::reply_fn reply) {
  constexpr const char* route = "/edge/sessions/{id}";
  if (auto hit = cache_.get(id, clock_.now_ms())) {
    metrics_.cache_hit->inc();
    net::response r;
    r.body = hit->game_json;
    r.body.insert(r.body.size() - 1, ",\"cached\":true");
    r.headers.emplace_back("X-Cache", "hit");
    r.route = route;
    return reply(std::move(r));
  }
  metrics_.cache_miss->inc();
  sessions_.get(id, [this, reply, id](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    json::object o = edge_view_from_record(*r);
    cache_.put(id, cached_session{r->region, json::serialize(o), !r->ended()}, clock_.now_ms());
    o["cached"] = false;
    net::response res;
    res.body = json::serialize(o);
    res.headers.emplace_back("X-Cache", "miss");
    res.route = route;
    reply(std::move(res));
  });
}

void edge_api::replay(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/edge/sessions/{id}/replay";
  // The query goes through as the client wrote it: the region owns its
  // parameters (from, to, breaks_only) and their errors.
  const std::string target = "/v1/sessions/" + id + "/replay" + (req.query.empty() ? "" : "?" + req.query);
  auto origin = origin_of(req);
  // The owning region when healthy, else any healthy one: regions share
  // the store, and a replay is computed from the stored record alone.
  auto send = [this, reply, target, origin](const std::string& owner) {
    const std::int64_t now = clock_.now_ms();
    std::optional<region_view> to = directory_.find(owner, now);
    if (!to || !to->healthy) {
      auto any = directory_.healthy(now);
      if (any.empty()) return reply_error(reply, make_error(errc::unavailable, "no healthy region can replay the session"), route);
      to = std::move(any.front());
    }
    forward(*to, "GET", target, "", *origin, [reply, name = to->name](result<net::client_response> r) {
      if (!r) return reply_error(reply, make_error(errc::unavailable, "region " + name + " did not answer: " + r.error().message), route);
      net::response res;
      res.status = r->status;
      if (const std::string_view type = r->header("content-type"); !type.empty()) res.content_type = std::string(type);
      res.body = std::move(r->body);
      res.route = route;
      reply(std::move(res));
    });
  };
  if (auto owner = cache_.owner(id, clock_.now_ms())) {
    metrics_.cache_hit->inc();
    return send(*owner);
  }
  metrics_.cache_miss->inc();
  sessions_.get(id, [reply, send](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    send(r->region);
  });
}

}  // namespace metronome::edge
