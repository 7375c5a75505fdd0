// JWT for the world gateway (docs/protocol.md, "World", "Connecting"): HS256
// only, verified with libjwt, claims checked here. The one place that says
// whether a token admits a player, and the one place that makes tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace metronome::gateway {

struct token_config {
  std::string secret;                        ///< HS256 key (bytes). Required.
  std::string issuer = "metronome";          ///< `iss` a token must carry.
  std::string audience = "metronome-world";  ///< `aud` a token must carry (a string).
  std::int64_t leeway_s = 30;                ///< Clock skew allowed on exp and nbf (seconds). Default 30.
};

/// The outcome of a check: `sub` when admitted, else an error code of the
/// documented table (missing_token, bad_token, token_expired,
/// token_not_yet_valid) and a message for the client.
struct token_check {
  std::optional<std::string> sub;
  std::string code, message;
  std::int64_t valid_until_s = 0;  ///< admitted: exp + leeway, when a connection made with it ends
};

/// Checks alg (exactly HS256), signature, exp (required), nbf (optional),
/// iss, aud and sub (world::valid_key) at `now_s` (seconds since the epoch).
token_check verify_token(std::string_view token, const token_config& config, std::int64_t now_s);

/// A token for `sub`, valid from now_s for ttl_s seconds. Throws
/// std::invalid_argument for a bad sub or ttl, std::runtime_error if libjwt fails.
std::string sign_token(std::string_view sub, std::int64_t ttl_s, const token_config& config, std::int64_t now_s);

/// The secret kept in `data_dir`/world-secret: read, or created on first use
/// (32 random bytes, hex, mode 0600; the directory is created too). Throws
/// std::runtime_error when it can be neither read nor created.
std::string load_or_create_secret(const std::filesystem::path& data_dir);

}  // namespace metronome::gateway
