// The registry in Redis: one hash, `mt:regions`, field = region name, value =
// the record as "base_url\nws_url\nregistered_at_ms\nlast_seen_ms". One key,
// so in a cluster it lives on one slot's master.
//
// Built on the session store's Redis layers (redis/redis_store.hpp): the same
// I/O loop, connection handling, cluster routing (MOVED/ASK parsed strictly
// by redis/reply.cpp: a redirection naming no valid port is an error, never
// port 0) and EVALSHA with its NOSCRIPT fallback. Registered-at is kept with
// a small Lua script (HGET then HSET, atomic). A heartbeat is not a write the
// store waits for a replica on: losing one in a failover costs nothing, the
// next one comes within seconds.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "metronome/store/registry_store.hpp"
#include "redis/redis_store.hpp"
#include "redis/reply.hpp"
#include "redis/sha1.hpp"
#include "registry/registry_backends.hpp"

namespace metronome::store::detail {
namespace {

constexpr std::string_view key = "mt:regions";

// KEYS[1] = mt:regions, ARGV = name, base_url, ws_url, now_ms.
constexpr std::string_view upsert_lua = R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[1])
local registered = ARGV[4]
if old then
  local parts = {}
  for p in string.gmatch(old .. '\n', '([^\n]*)\n') do parts[#parts + 1] = p end
  if parts[3] and parts[3] ~= '' then registered = parts[3] end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\n' .. ARGV[3] .. '\n' .. registered .. '\n' .. ARGV[4])
return registered
)lua";

const redis::lua_script& upsert_script() {
  static const redis::lua_script s{"region_upsert", upsert_lua, redis::sha1_hex(upsert_lua)};
  return s;
}

/// A whole decimal integer, or nullopt.
std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// One stored value; nullopt when it is not four lines with two integers.
std::optional<region_record> decode(std::string_view name, std::string_view v) {
  std::string_view parts[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const auto nl = v.find('\n');
    if (i < 3 && nl == std::string_view::npos) return std::nullopt;
    parts[i] = v.substr(0, nl);
    v = nl == std::string_view::npos ? std::string_view{} : v.substr(nl + 1);
  }
  const auto registered = parse_int(parts[2]);
  const auto seen = parse_int(parts[3]);
  if (!registered || !seen) return std::nullopt;
  return region_record{std::string(name), std::string(parts[0]), std::string(parts[1]), *registered, *seen};
}

class redis_registry final : public registry_store {
 public:
  explicit redis_registry(std::unique_ptr<redis::redis_store> redis) : redis_(std::move(redis)) {}

  void upsert_region(region_record r, callback<region_record> done) override {
    try {
      std::vector<std::string> args{r.name, r.base_url, r.ws_url, redis::decimal(r.last_seen_ms)};
      redis_->eval(upsert_script(), {std::string(key)}, std::move(args), false, redis_->deadline(),
                   [r = std::move(r), done](result<redis::eval_reply> reply) mutable {
                     if (!reply) return done(std::move(reply).error());
                     const redis::reply_view v(reply->value.get());
                     const auto text = v.text();
                     const auto registered = text && v.is_text() ? parse_int(*text) : std::nullopt;
                     if (!registered) return done(make_error(errc::internal, "the region upsert answered " + v.describe()));
                     r.registered_at_ms = *registered;
                     done(std::move(r));
                   });
    } catch (const std::exception& e) {
      done(make_error(errc::internal, std::string("registry upsert: ") + e.what()));
    }
  }

  /// A stored value that does not decode is left out of the list (and
  /// rewritten whole by that region's next heartbeat).
  void list_regions(callback<std::vector<region_record>> done) override {
    try {
      redis_->command({"HGETALL", std::string(key)}, 1, true, redis_->deadline(), [done](result<redis::reply_ptr> reply) {
        if (!reply) return done(std::move(reply).error());
        const redis::reply_view v(reply->get());
        if (!v.is_array() || v.size() % 2 != 0) return done(make_error(errc::internal, "HGETALL answered " + v.describe()));
        std::vector<region_record> out;
        for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
          const auto name = v.at(i).text();
          const auto value = v.at(i + 1).text();
          if (!name || !value) continue;
          if (auto r = decode(*name, *value)) out.push_back(std::move(*r));
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        done(std::move(out));
      });
    } catch (const std::exception& e) {
      done(make_error(errc::internal, std::string("registry list: ") + e.what()));
    }
  }

 private:
  std::unique_ptr<redis::redis_store> redis_;
};

}  // namespace

std::unique_ptr<registry_store> make_redis_registry(std::vector<host_port> seeds, bool cluster, const store_options& options) {
  return std::make_unique<redis_registry>(redis::make_redis_client(std::move(seeds), cluster, options));
}

}  // namespace metronome::store::detail
