// POST /edge/world/token on `metronome edge` (issue 10): a token for the
// world gateway (/world) for a userId, signed with the world's secret.
// This is the place a studio plugs in its own identity provider: in
// AUTH_MODE=owner only a caller with the admin token may ask (the studio's
// backend, once its own login has said who the player is); in open mode
// anyone may, as anyone may start a game for any userId there. The route is
// composed here, in the app, because the edge library sits below the world
// gateway and must not depend on it. Documented in docs/protocol.md
// ("World", "Connecting") and docs/openapi.yaml.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "metronome/gateway/token.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http.hpp"

namespace metronome::cli {

struct world_token_settings {
  gateway::token_config tokens;  ///< The world's secret, issuer and audience.
  std::string gateway_url;       ///< ws://HOST:PORT/world, returned to the caller; "" leaves it out.
  net::access_config auth;       ///< AUTH_MODE and ADMIN_TOKEN, as the edge has them.
  double rate_per_second = 0;    ///< Tokens per client address; 0: off.
  double rate_burst = 20;
  std::int64_t default_ttl_s = 3600;
  std::int64_t max_ttl_s = 86'400;
};

class world_token_route {
 public:
  static constexpr std::string_view path = "/edge/world/token";
  explicit world_token_route(world_token_settings settings);
  /// Answers a request to `path` (any method: 405 but for POST).
  void handle(const net::request& req, const net::reply_fn& reply, std::int64_t now_ms);

 private:
  world_token_settings settings_;
  std::unique_ptr<net::rate_limiter> limiter_;
};

}  // namespace metronome::cli
