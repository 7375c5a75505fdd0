#include "metronome/net/access.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace metronome::net {

std::optional<auth_mode> auth_mode_named(std::string_view name) noexcept {
  if (name == "open") return auth_mode::open;
  if (name == "owner") return auth_mode::owner;
  return std::nullopt;
}

std::string_view auth_mode_name(auth_mode m) noexcept { return m == auth_mode::owner ? "owner" : "open"; }

bool secret_equals(std::string_view given, std::string_view expected) noexcept {
  if (expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::string_view bearer_token(const request& req) noexcept {
  const std::string_view auth = req.header("authorization");
  constexpr std::string_view scheme = "bearer";
  if (auth.size() <= scheme.size() + 1 || auth[scheme.size()] != ' ') return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = auth[i] >= 'A' && auth[i] <= 'Z' ? static_cast<char>(auth[i] - 'A' + 'a') : auth[i];
    if (c != scheme[i]) return {};
  }
  std::string_view token = auth.substr(scheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

bool is_admin(const request& req, const access_config& access) noexcept { return secret_equals(bearer_token(req), access.admin_token); }

rate_limiter::rate_limiter(double per_second, double burst, std::size_t max_keys)
    : per_second_(per_second), burst_(std::max(burst, 1.0)), max_keys_(max_keys) {}

void rate_limiter::sweep(std::int64_t now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double refilled = it->second.tokens + static_cast<double>(now_ms - it->second.at_ms) * per_second_ / 1000.0;
    it = refilled >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

std::int64_t rate_limiter::admit(std::string_view key, std::int64_t now_ms) {
  if (!enabled()) return 0;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) sweep(now_ms);
    if (buckets_.size() >= max_keys_) return 0;  // fail open, bounded
    it = buckets_.emplace(std::string(key), bucket{burst_, now_ms}).first;
  }
  bucket& b = it->second;
  if (now_ms > b.at_ms) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_ms - b.at_ms) * per_second_ / 1000.0);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) * 1000.0 / per_second_)));
}

std::size_t rate_limiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void reply_rate_limited(const reply_fn& reply, std::int64_t retry_after_ms, std::string_view route) {
  const std::int64_t seconds = std::max<std::int64_t>(1, (retry_after_ms + 999) / 1000);
  response r;
  r.status = 429;
  r.body = R"({"error":{"code":"too_many_requests","message":"too many requests from this address; retry after )" +
           std::to_string(seconds) + R"( s"}})";
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  r.route = route;
  reply(std::move(r));
}

}  // namespace metronome::net
