// Who may create, end and list sessions on a region (AUTH_MODE, ADMIN_TOKEN,
// the rate limits): docs/openapi.yaml, "Authorization" and "Rate limits".
#include <openssl/sha.h>

#include <array>

#include "metronome/core/random.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/region/api.hpp"

namespace metronome::region {

bool region_api::admit(const net::request& req, const net::reply_fn& reply, std::string_view route) {
  if (!limiter_.enabled()) return true;
  const std::string client = net::client_address(req.remote_address, req.header("x-forwarded-for"), access_.trusted_proxies);
  const std::int64_t wait_ms = limiter_.admit(client, service_.time().monotonic_us() / 1000);
  if (wait_ms == 0) return true;
  net::reply_rate_limited(reply, wait_ms, route);
  return false;
}

region_api::issued_key region_api::issue_key() {
  issued_key k;
  k.key = random_hex(32);
  k.digest = session_service::key_digest(k.key);
  return k;
}

void region_api::authorize_end(const std::string& id, const net::request& req, std::string body_key, const net::reply_fn& reply,
                               std::string_view route, std::function<void()> then) {
  if (access_.auth.mode == net::auth_mode::open || net::is_admin(req, access_.auth)) return then();
  std::string key(req.header("x-session-key"));
  if (key.empty()) key = std::move(body_key);
  service_.get(id, [reply, route = std::string(route), key = std::move(key), then = std::move(then)](result<store::session_record> r) {
    if (!r) return net::reply_error(reply, r.error(), route);
    // Both sides are digests of the same length: the comparison's time
    // says nothing about the stored one. A session without a key (stored
    // before keys existed) matches nothing.
    if (key.empty() || r->key_digest.empty() || !net::secret_equals(session_service::key_digest(key), r->key_digest)) {
      return net::reply_error(
          reply, make_error(errc::forbidden, "ending this session needs its session key (X-Session-Key or session_key) or the admin token"),
          route);
    }
    then();
  });
}

}  // namespace metronome::region
