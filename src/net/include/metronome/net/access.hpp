// Who may do what over HTTP, shared by the region and the edge (one home for
// each rule): the authorization mode, the admin token, constant-time secret
// comparison, Bearer parsing, and per-client token buckets with their 429.
//
// Modes (AUTH_MODE):
//   open   anyone who knows a session id may end it (the seeds' documented
//          requests work as written); the default.
//   owner  every create answers a session key; ending a session needs that
//          key (X-Session-Key or the body's session_key) or the admin token
//          (Authorization: Bearer ADMIN_TOKEN); listing by user needs the
//          admin token. What a studio runs in production.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "metronome/net/http.hpp"

namespace metronome::net {

enum class auth_mode { open, owner };

std::optional<auth_mode> auth_mode_named(std::string_view name) noexcept;
std::string_view auth_mode_name(auth_mode m) noexcept;

struct access_config {
  auth_mode mode = auth_mode::open;  ///< AUTH_MODE. Default open.
  std::string admin_token;           ///< ADMIN_TOKEN: empty means no request is an admin's.
};

/// Compares a secret in constant time (CRYPTO_memcmp): the time taken does
/// not depend on where the strings differ, only on their lengths. False when
/// `expected` is empty.
bool secret_equals(std::string_view given, std::string_view expected) noexcept;

/// The token of "Authorization: Bearer <token>", the scheme name in any case
/// (RFC 9110 11.1); "" when absent or another scheme.
std::string_view bearer_token(const request& req) noexcept;

/// Whether the request carries the admin token.
bool is_admin(const request& req, const access_config& access) noexcept;

/// Token buckets per key (a client address): `per_second` tokens a second up
/// to `burst`. Pure: the caller passes the time. Bounded: at most
/// `max_keys` buckets; when full, buckets that have refilled completely (they
/// carry no state worth keeping) are dropped, and if none has, a new key is
/// admitted without a bucket (the limit fails open rather than growing
/// without bound or refusing everyone). Safe from any thread.
class rate_limiter {
 public:
  /// per_second <= 0 turns the limiter off (every request admitted).
  rate_limiter(double per_second, double burst, std::size_t max_keys = 100'000);

  /// 0 when admitted (one token taken); else the milliseconds until a token
  /// will be there.
  std::int64_t admit(std::string_view key, std::int64_t now_ms);

  bool enabled() const noexcept { return per_second_ > 0; }
  std::size_t size() const;

 private:
  struct bucket {
    double tokens;
    std::int64_t at_ms;
  };
  void sweep(std::int64_t now_ms);

  const double per_second_;
  const double burst_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

/// 429 with Retry-After (whole seconds, at least 1) and a JSON error.
void reply_rate_limited(const reply_fn& reply, std::int64_t retry_after_ms, std::string_view route);

}  // namespace metronome::net
