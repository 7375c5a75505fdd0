#include "region_command.hpp"

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/core/clock.hpp"
#include "metronome/net/server.hpp"
#include "metronome/net/signals.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/region/api.hpp"
#include "metronome/region/config.hpp"
#include "metronome/store/backends.hpp"

namespace metronome::cli {
namespace {

/// Raw flag/env values; parsed strictly in build_config().
struct region_flags {
  std::string host = "127.0.0.1", port = "8081", region = "eu", is_main = "false", main_server_url, register_interval = "30";
  std::string store = "sqlite:metronome.db", countdown_ms = "3000", default_tick_ms = "100";
  std::string threads = "0", body_limit = "65536", header_limit = "8192", read_timeout_ms = "10000", idle_timeout_ms = "30000";
  std::string max_connections = "10000", access_log = "true", log_level = "info", store_timeout_ms = "2000";
};

bool parse_bool(std::string_view flag, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  throw usage_error(fmt::format("{}: expected true or false, got '{}'", flag, v));
}

region::region_config build_config(const region_flags& f, store::store_options& store_opts) {
  region::region_config c;
  c.http.host = f.host;
  c.http.port = static_cast<std::uint16_t>(parse_int("--port (PORT)", f.port, 0, 65535));
  c.region = f.region;
  if (c.region.empty() || c.region.size() > 32 ||
      c.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    throw usage_error("--region (REGION): 1 to 32 characters of a-z, 0-9 and '-', got '" + c.region + "'");
  }
  c.is_main = parse_bool("--is-main (IS_MAIN)", f.is_main);
  c.main_server_url = f.main_server_url;
  if (!c.main_server_url.empty() && !c.main_server_url.starts_with("http://")) {
    throw usage_error("--main-server-url (MAIN_SERVER_URL): expected http://HOST:PORT, got '" + c.main_server_url + "'");
  }
  c.register_interval_seconds = parse_int("--register-interval-seconds (REGISTER_INTERVAL_SECONDS)", f.register_interval, 1, 3600);
  c.store_url = f.store;
  c.countdown_ms = parse_int("--countdown-ms (COUNTDOWN_MS)", f.countdown_ms, 0, 600'000);
  c.default_tick_ms = parse_int("--default-tick-ms (DEFAULT_TICK_MS)", f.default_tick_ms, 1, 60'000);
  c.http.threads = static_cast<unsigned>(parse_int("--threads (THREADS)", f.threads, 0, 256));
  c.http.body_limit = static_cast<std::size_t>(parse_int("--body-limit (BODY_LIMIT_BYTES)", f.body_limit, 1024, 64 << 20));
  c.http.header_limit = static_cast<std::size_t>(parse_int("--header-limit (HEADER_LIMIT_BYTES)", f.header_limit, 1024, 1 << 20));
  c.http.read_timeout = std::chrono::milliseconds(parse_int("--read-timeout-ms (READ_TIMEOUT_MS)", f.read_timeout_ms, 100, 600'000));
  c.http.idle_timeout = std::chrono::milliseconds(parse_int("--idle-timeout-ms (IDLE_TIMEOUT_MS)", f.idle_timeout_ms, 100, 3'600'000));
  c.http.max_connections = static_cast<std::size_t>(parse_int("--max-connections (MAX_CONNECTIONS)", f.max_connections, 1, 1'000'000));
  c.access_log = parse_bool("--access-log (ACCESS_LOG)", f.access_log);
  if (!obs::set_log_level(f.log_level)) throw usage_error("--log-level (LOG_LEVEL): expected debug, info, warn or error");
  store_opts.timeout = std::chrono::milliseconds(parse_int("--store-timeout-ms (STORE_TIMEOUT_MS)", f.store_timeout_ms, 50, 60'000));
  return c;
}

/// Pings the store every second, so that /healthz answers at once and the
/// node notices (and logs) when the store goes and comes back.
class health_monitor {
 public:
  health_monitor(region::session_service& service, region::store_health& health, region::region_metrics& metrics,
                 const net::http_server& server)
      : thread_([this, &service, &health, &metrics, &server] { run(service, health, metrics, server); }) {}
  ~health_monitor() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void run(region::session_service& service, region::store_health& health, region::region_metrics& metrics,
           const net::http_server& server) {
    obs::logger log("health");
    bool was_ok = true;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      auto done = std::make_shared<std::promise<result<void>>>();
      auto future = done->get_future();
      service.ping([done](result<void> r) { done->set_value(std::move(r)); });
      result<void> r = make_error(errc::timeout, "store ping did not complete");
      if (future.wait_for(std::chrono::seconds(5)) == std::future_status::ready) r = future.get();
      health.record(r.has_value(), r ? std::string() : r.error().message);
      metrics.store_up.with({}).set(r ? 1 : 0);
      metrics.http_connections.with({}).set(static_cast<double>(server.connection_count()));
      if (r.has_value() != was_ok) {
        if (r) log.info("store is back");
        else log.error("store unreachable", {{"error", r.error().message}});
        was_ok = r.has_value();
      }
      lock.lock();
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

int run_region(const region::region_config& cfg, const store::store_options& store_opts) {
  obs::logger log("region");
  auto store = store::make_session_store(cfg.store_url, store_opts);
  if (!store) throw usage_error("--store (STORE): " + store.error().message);

  system_clock clock;
  region::region_metrics metrics;
  region::store_health health;
  region::session_service service(**store, clock,
                                  region::service_config{.region = cfg.region, .countdown_ms = cfg.countdown_ms,
                                                         .default_tick_ms = cfg.default_tick_ms},
                                  metrics);
  region::region_api api(service, metrics, health);
  net::http_server server(
      cfg.http, [&api](net::request&& req, net::reply_fn reply) { api.handle(std::move(req), std::move(reply)); },
      [&api, access = cfg.access_log](const net::exchange_summary& x) { api.observe(x, access); });
  if (auto started = server.start(); !started) {
    log.error("cannot start", {{"error", started.error().message}});
    return 1;
  }
  log.info("listening", {{"region", cfg.region}, {"host", cfg.http.host}, {"port", server.port()}, {"store", (*store)->kind()}});
  {
    health_monitor monitor(service, health, metrics, server);
    const int sig = net::wait_for_termination_signal();
    log.info("shutting down", {{"signal", sig}});
    server.stop();  // stop accepting, finish in-flight requests
  }
  store->reset();  // flush and close the store last
  log.info("stopped");
  return 0;
}

}  // namespace

void add_region_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("region", "Run a region node: the session API over HTTP (seeds 000, 002, 004)");
  auto f = std::make_shared<region_flags>();
  auto opt = [&](const char* flag, std::string& target, const char* env, const char* help) {
    cmd->add_option(flag, target, help)->envname(env)->capture_default_str();
  };
  opt("--host", f->host, "HOST", "Address to listen on");
  opt("--port", f->port, "PORT", "Port to listen on (0 picks a free one)");
  opt("--region", f->region, "REGION", "This node's region name");
  opt("--is-main", f->is_main, "IS_MAIN", "Seed 002's main-server flag (true/false)");
  opt("--main-server-url", f->main_server_url, "MAIN_SERVER_URL", "Registry to register with (http://HOST:PORT)");
  opt("--register-interval-seconds", f->register_interval, "REGISTER_INTERVAL_SECONDS", "Heartbeat period to the registry (s)");
  opt("--store", f->store, "STORE", "sqlite:PATH, redis://HOST:PORT or redis-cluster://HOST:PORT,HOST:PORT,...");
  opt("--countdown-ms", f->countdown_ms, "COUNTDOWN_MS", "Sessions start this long after creation (ms)");
  opt("--default-tick-ms", f->default_tick_ms, "DEFAULT_TICK_MS", "Tick length when a request names none (ms)");
  opt("--threads", f->threads, "THREADS", "I/O threads (0 = number of cores)");
  opt("--body-limit", f->body_limit, "BODY_LIMIT_BYTES", "Largest request body (bytes); larger gets 413");
  opt("--header-limit", f->header_limit, "HEADER_LIMIT_BYTES", "Largest request head (bytes); larger gets 431");
  opt("--read-timeout-ms", f->read_timeout_ms, "READ_TIMEOUT_MS", "Time to receive a whole request once it starts (ms)");
  opt("--idle-timeout-ms", f->idle_timeout_ms, "IDLE_TIMEOUT_MS", "Keep-alive idle time before closing (ms)");
  opt("--max-connections", f->max_connections, "MAX_CONNECTIONS", "Open connections; more are refused");
  opt("--store-timeout-ms", f->store_timeout_ms, "STORE_TIMEOUT_MS", "Longest a store operation may take (ms)");
  opt("--access-log", f->access_log, "ACCESS_LOG", "Log every request (true/false)");
  opt("--log-level", f->log_level, "LOG_LEVEL", "debug, info, warn or error");
  cmd->callback([f] {
    store::store_options store_opts;
    const region::region_config cfg = build_config(*f, store_opts);
    net::block_termination_signals();
    const int code = run_region(cfg, store_opts);
    if (code != 0) std::exit(code);
  });
}

}  // namespace metronome::cli
