#include "edge_world_token.hpp"

#include <boost/json.hpp>

#include "metronome/net/json_body.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/world/command.hpp"

namespace metronome::cli {

namespace json = boost::json;

world_token_route::world_token_route(world_token_settings settings)
    : settings_(std::move(settings)), limiter_(std::make_unique<net::rate_limiter>(settings_.rate_per_second, settings_.rate_burst)) {}

void world_token_route::handle(const net::request& req, const net::reply_fn& reply, std::int64_t now_ms) {
  constexpr std::string_view route = path;
  if (req.method != "POST") return net::reply_method_not_allowed(reply, "POST", route);
  if (const std::int64_t wait = limiter_->admit(req.remote_address, now_ms); wait > 0) {
    return net::reply_rate_limited(reply, wait, route);
  }
  if (settings_.auth.mode == net::auth_mode::owner && !net::is_admin(req, settings_.auth)) {
    return net::reply_error(
        reply, make_error(errc::unauthorized, "AUTH_MODE=owner: a world token is issued only to a caller with the admin token"), route);
  }
  if (!net::declares_json(req))
    return net::reply_error(reply, make_error(errc::unsupported_media_type, "Content-Type must be application/json"), route);
  auto body = net::parse_object_body(req.body, false);
  if (!body) return net::reply_error(reply, body.error(), route);
  const json::value* user = body->if_contains("userId");
  if (user == nullptr || !user->is_string() || !world::valid_key(user->as_string())) {
    return net::reply_error(
        reply, make_error(errc::invalid_argument, "userId: a string of 1 to 64 bytes without control characters is required"), route);
  }
  std::int64_t ttl = settings_.default_ttl_s;
  if (const json::value* t = body->if_contains("ttlSeconds")) {
    if (!t->is_int64() || t->as_int64() < 1 || t->as_int64() > settings_.max_ttl_s) {
      return net::reply_error(
          reply, make_error(errc::invalid_argument, "ttlSeconds: an integer from 1 to " + std::to_string(settings_.max_ttl_s)), route);
    }
    ttl = t->as_int64();
  }
  const std::int64_t now_s = now_ms / 1000;
  const std::string sub(user->as_string());
  json::object out{{"token", gateway::sign_token(sub, ttl, settings_.tokens, now_s)}, {"userId", sub}, {"expiresAt", (now_s + ttl) * 1000}};
  if (!settings_.gateway_url.empty()) out["gateway"] = settings_.gateway_url;
  net::reply_json(reply, 200, out, route);
}

}  // namespace metronome::cli
