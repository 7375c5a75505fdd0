// The registry in Redis: one hash, `mt:regions`, field = region name, value =
// the record as "base_url\nws_url\nregistered_at_ms\nlast_seen_ms". One key,
// so in a cluster it lives on one slot's master; MOVED is followed.
// Registered-at is kept with a small Lua script (HGET then HSET, atomic).
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "metronome/store/registry_store.hpp"
#include "registry/registry_backends.hpp"
#include "registry/registry_worker.hpp"

namespace metronome::store::detail {
namespace {

constexpr const char* key = "mt:regions";

// KEYS[1] = mt:regions, ARGV = name, base_url, ws_url, now_ms.
constexpr const char* upsert_script = R"(
local old = redis.call('HGET', KEYS[1], ARGV[1])
local registered = ARGV[4]
if old then
  local parts = {}
  for p in string.gmatch(old .. '\n', '([^\n]*)\n') do parts[#parts + 1] = p end
  if parts[3] and parts[3] ~= '' then registered = parts[3] end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\n' .. ARGV[3] .. '\n' .. registered .. '\n' .. ARGV[4])
return registered
)";

using reply_ptr = std::unique_ptr<redisReply, void (*)(void*)>;

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

class redis_registry final : public registry_store {
 public:
  redis_registry(std::vector<host_port> seeds, store_options options) : seeds_(std::move(seeds)), options_(options) {}
  ~redis_registry() override { worker_.reset(); }

  void upsert_region(region_record r, callback<region_record> done) override {
    post(done, [this, r = std::move(r), done]() mutable {
      const std::string now = std::to_string(r.last_seen_ms);
      std::vector<std::string> args = {"EVAL", upsert_script, "1", key, r.name, r.base_url, r.ws_url, now};
      auto reply = command(args);
      if (!reply) return done(reply.error());
      const redisReply* rep = reply->get();
      if (rep->type != REDIS_REPLY_STRING) return done(make_error(errc::internal, "unexpected reply to the region upsert"));
      r.registered_at_ms = to_int(std::string_view(rep->str, rep->len));
      done(std::move(r));
    });
  }

  void list_regions(callback<std::vector<region_record>> done) override {
    post(done, [this, done] {
      auto reply = command({"HGETALL", key});
      if (!reply) return done(reply.error());
      const redisReply* rep = reply->get();
      if (rep->type != REDIS_REPLY_ARRAY) return done(make_error(errc::internal, "unexpected reply to HGETALL"));
      std::vector<region_record> out;
      for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
        region_record r;
        r.name.assign(rep->element[i]->str, rep->element[i]->len);
        std::string_view v(rep->element[i + 1]->str, rep->element[i + 1]->len);
        std::string_view parts[4];
        for (auto& p : parts) {
          const auto nl = v.find('\n');
          p = v.substr(0, nl);
          v = nl == std::string_view::npos ? std::string_view{} : v.substr(nl + 1);
        }
        r.base_url = parts[0];
        r.ws_url = parts[1];
        r.registered_at_ms = to_int(parts[2]);
        r.last_seen_ms = to_int(parts[3]);
        out.push_back(std::move(r));
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      done(std::move(out));
    });
  }

 private:
  template <class T>
  void post(const callback<T>& done, std::function<void()> job) {
    if (!worker_->post(std::move(job))) done(make_error(errc::unavailable, "registry queue is full"));
  }

  bool connect(const host_port& hp) {
    timeval tv{static_cast<time_t>(options_.connect_timeout.count() / 1000),
               static_cast<suseconds_t>((options_.connect_timeout.count() % 1000) * 1000)};
    ctx_.reset(redisConnectWithTimeout(hp.host.c_str(), hp.port, tv));
    if (!ctx_ || ctx_->err != 0) {
      ctx_.reset();
      return false;
    }
    timeval op{static_cast<time_t>(options_.timeout.count() / 1000), static_cast<suseconds_t>((options_.timeout.count() % 1000) * 1000)};
    redisSetTimeout(ctx_.get(), op);
    return true;
  }

  /// Runs one command, connecting (or reconnecting) as needed and following
  /// up to 3 MOVED redirections (cluster).
  result<reply_ptr> command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    std::string last_error = "no Redis node reachable";
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (!ctx_) {
        bool ok = false;
        if (target_) ok = connect(*target_);
        for (std::size_t i = 0; !ok && i < seeds_.size(); ++i) ok = connect(seeds_[(next_seed_ + i) % seeds_.size()]);
        ++next_seed_;
        if (!ok) return make_error(errc::unavailable, "registry: cannot connect to Redis");
      }
      auto* raw = static_cast<redisReply*>(redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()));
      if (raw == nullptr) {
        last_error = ctx_->errstr;
        ctx_.reset();
        target_.reset();
        continue;
      }
      reply_ptr reply(raw, freeReplyObject);
      if (raw->type == REDIS_REPLY_ERROR) {
        const std::string_view msg(raw->str, raw->len);
        if (msg.starts_with("MOVED ")) {  // MOVED <slot> <host>:<port>
          const auto space = msg.rfind(' ');
          const auto colon = msg.rfind(':');
          target_ = host_port{std::string(msg.substr(space + 1, colon - space - 1)),
                              static_cast<std::uint16_t>(to_int(msg.substr(colon + 1)))};
          ctx_.reset();
          continue;
        }
        return make_error(errc::unavailable, "registry: " + std::string(msg));
      }
      return reply;
    }
    return make_error(errc::unavailable, "registry: " + last_error);
  }

  std::vector<host_port> seeds_;
  store_options options_;
  std::unique_ptr<redisContext, void (*)(redisContext*)> ctx_{nullptr, redisFree};
  std::optional<host_port> target_;
  std::size_t next_seed_ = 0;
  std::unique_ptr<registry_worker> worker_ = std::make_unique<registry_worker>();
};

}  // namespace

std::unique_ptr<registry_store> make_redis_registry(std::vector<host_port> seeds, const store_options& options) {
  return std::make_unique<redis_registry>(std::move(seeds), options);
}

}  // namespace metronome::store::detail
