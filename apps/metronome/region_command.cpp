#include "region_command.hpp"

#include <atomic>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "events_command.hpp"
#include "metronome/broadcast/broadcaster.hpp"
#include "metronome/core/clock.hpp"
#include "metronome/core/periodic_task.hpp"
#include "metronome/events/event.hpp"
#include "metronome/net/http_client.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/server.hpp"
#include "metronome/net/signals.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/region/api.hpp"
#include "metronome/region/config.hpp"
#include "metronome/store/backends.hpp"
#include "metronome/store/registry_store.hpp"

namespace metronome::cli {
namespace {

/// Raw flag/env values; parsed strictly in build_config().
struct region_flags {
  http_flags http{"8081"};
  std::string region = "eu", is_main = "false", main_server_url, register_interval = "30";
  std::string store = "sqlite:metronome.db", countdown_ms = "3000", default_tick_ms = "100", store_timeout_ms = "2000";
  std::string store_wait_replica = "false";
  std::string advertise_url, ws_url;
  std::string max_latency_ms = "150", max_jitter_ms = "50", warning_latency_ms = "100", warning_jitter_ms = "30";
  std::string latency_samples = "5", ping_interval_ms = "1000", unresponsive_ms = "5000", reconnect_grace_ms = "10000";
  std::string rejoin_cooldown_ms = "30000";
  access_flags access;
  events_flags events;
  std::string trusted_proxies;
};

broadcast::settings broadcast_settings(const region_flags& f) {
  broadcast::settings s;
  s.max_latency_ms = static_cast<double>(parse_int("--max-latency-ms (MAX_LATENCY_MS)", f.max_latency_ms, 1, 60'000));
  s.max_jitter_ms = static_cast<double>(parse_int("--max-jitter-ms (MAX_JITTER_MS)", f.max_jitter_ms, 1, 60'000));
  s.warning_latency_ms = static_cast<double>(parse_int("--warning-latency-ms (WARNING_LATENCY_MS)", f.warning_latency_ms, 1, 60'000));
  s.warning_jitter_ms = static_cast<double>(parse_int("--warning-jitter-ms (WARNING_JITTER_MS)", f.warning_jitter_ms, 1, 60'000));
  s.latency_samples = static_cast<std::size_t>(parse_int("--latency-samples (LATENCY_SAMPLES)", f.latency_samples, 1, 100));
  s.ping_interval_ms = parse_int("--ping-interval-ms (PING_INTERVAL_MS)", f.ping_interval_ms, 50, 60'000);
  s.unresponsive_ms = parse_int("--unresponsive-ms (UNRESPONSIVE_MS)", f.unresponsive_ms, 100, 600'000);
  s.reconnect_grace_ms = parse_int("--reconnect-grace-ms (RECONNECT_GRACE_MS)", f.reconnect_grace_ms, 0, 3'600'000);
  s.rejoin_cooldown_ms = parse_int("--rejoin-cooldown-ms (REJOIN_COOLDOWN_MS)", f.rejoin_cooldown_ms, 0, 86'400'000);
  return s;
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

region::region_config build_config(const region_flags& f, store::store_options& store_opts) {
  region::region_config c;
  c.http = f.http.parse();
  c.access_log = f.http.access_log();
  c.region = f.region;
  if (!store::valid_region_name(c.region)) {
    throw usage_error("--region (REGION): " + std::string(store::region_name_rule) + ", got '" + c.region + "'");
  }
  c.is_main = parse_bool("--is-main (IS_MAIN)", f.is_main);
  c.main_server_url = f.main_server_url;
  if (!c.main_server_url.empty() && !c.main_server_url.starts_with("http://")) {
    throw usage_error("--main-server-url (MAIN_SERVER_URL): expected http://HOST:PORT, got '" + c.main_server_url + "'");
  }
  c.advertise_url = f.advertise_url;
  if (!c.advertise_url.empty() && !net::parse_http_base_url(c.advertise_url)) {
    throw usage_error("--advertise-url (ADVERTISE_URL): expected http://HOST:PORT, got '" + c.advertise_url + "'");
  }
  c.ws_url = f.ws_url;
  c.register_interval_seconds = parse_int("--register-interval-seconds (REGISTER_INTERVAL_SECONDS)", f.register_interval, 1, 3600);
  c.store_url = f.store;
  c.countdown_ms = parse_int("--countdown-ms (COUNTDOWN_MS)", f.countdown_ms, 0, 600'000);
  c.default_tick_ms = parse_int("--default-tick-ms (DEFAULT_TICK_MS)", f.default_tick_ms, 1, 60'000);
  store_opts.timeout = std::chrono::milliseconds(parse_int("--store-timeout-ms (STORE_TIMEOUT_MS)", f.store_timeout_ms, 50, 60'000));
  store_opts.wait_for_replica = parse_bool("--store-wait-replica (STORE_WAIT_REPLICA)", f.store_wait_replica);
  f.events.apply(store_opts);
  c.nats_url = f.events.nats_url();
  return c;
}

/// Pings the store (so that /healthz answers at once and the node notices,
/// and logs, when the store goes and comes back) and samples gauges.
void check_health(region::session_service& service, region::store_health& health, region::region_metrics& metrics,
                  const net::http_server& server, bool& was_ok) {
  static const obs::logger log("health");
  auto done = std::make_shared<std::promise<result<void>>>();
  auto future = done->get_future();
  service.ping([done](result<void> r) { done->set_value(std::move(r)); });
  result<void> r = make_error(errc::timeout, "store ping did not complete");
  if (future.wait_for(std::chrono::seconds(5)) == std::future_status::ready) r = future.get();
  health.record(r.has_value(), r ? std::string() : r.error().message);
  metrics.store_up_now->set(r ? 1 : 0);
  metrics.http_connections_now->set(static_cast<double>(server.connection_count()));
  if (r.has_value() != was_ok) {
    if (r)
      log.info("store is back");
    else
      log.error("store unreachable", {{"error", r.error().message}});
    was_ok = r.has_value();
  }
}

/// When the next heartbeat is due (ms since the epoch): every
/// REGISTER_INTERVAL_SECONDS after a success, one second after a failure (so
/// a region that starts before the registry joins as soon as it is up).
struct heartbeat_schedule {
  std::atomic<std::int64_t> next_due_ms{0};
};

/// Seed 002: a region that is not the main server registers with it at start
/// and heartbeats every REGISTER_INTERVAL_SECONDS.
void heartbeat(net::http_client& client, const region::region_config& cfg, const std::string& token, std::uint16_t port,
               const std::shared_ptr<heartbeat_schedule>& schedule, const clock& clk) {
  static const obs::logger log("registry");
  auto main = net::parse_http_base_url(cfg.main_server_url);
  if (!main || clk.now_ms() < schedule->next_due_ms.load()) return;
  schedule->next_due_ms = clk.now_ms() + 1000;  // until an answer says otherwise
  const std::string advertised = cfg.advertise_url.empty() ? "http://" + cfg.http.host + ":" + std::to_string(port) : cfg.advertise_url;
  net::client_request req;
  req.method = "POST";
  req.host = main->first;
  req.port = main->second;
  req.target = "/api/regions/register";
  req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}};
  req.body = "{\"region\":\"";
  net::append_json_escaped(req.body, cfg.region);
  req.body += "\",\"base_url\":\"";
  net::append_json_escaped(req.body, advertised);
  req.body += "\",\"ws_url\":\"";
  net::append_json_escaped(req.body, cfg.ws_url);
  req.body += "\"}";
  client.request(std::move(req),
                 [region = cfg.region, schedule, &clk, interval_ms = cfg.register_interval_seconds * 1000](result<net::client_response> r) {
                   if (!r) {
                     log.warn("heartbeat failed", {{"region", region}, {"error", r.error().message}});
                   } else if (r->status != 200) {
                     log.warn("heartbeat refused", {{"region", region}, {"status", r->status}});
                   } else {
                     schedule->next_due_ms = clk.now_ms() + interval_ms;
                   }
                 });
}

region::api_access api_access_of(const region_flags& f) {
  const auto a = f.access.parse();
  auto trusted = net::address_set::parse(f.trusted_proxies);
  if (!trusted) throw usage_error("--trusted-proxies (TRUSTED_PROXIES): " + trusted.error().message);
  return region::api_access{.auth = a.auth, .rate_per_second = a.per_second, .rate_burst = a.burst, .trusted_proxies = *trusted};
}

/// The broadcaster's kick and break hooks publish player.kicked and
/// game.break through `events` (docs/events.md).
broadcast::settings with_event_hooks(broadcast::settings ticks, events::publisher& events, const clock& clk, const std::string& region) {
  const std::string source = "region:" + region;
  ticks.on_kick = [&events, &clk, source](const std::string& id, const std::string& user, std::string_view reason, double rtt_ms,
                                          double jitter_ms) {
    events.emit(events::player_kicked(id, user, reason, rtt_ms, jitter_ms, clk.now_ms(), source));
  };
  ticks.on_break = [&events, source](const std::string& id, std::int64_t step, std::int64_t round, std::int64_t at_ms) {
    events.emit(events::game_break(id, step, round, at_ms, source));
  };
  return ticks;
}

int run_region(const region::region_config& cfg, const store::store_options& store_opts, broadcast::settings ticks,
               region::api_access access, const events_flags& event_flags) {
  obs::logger log("region");
  auto store = store::make_session_store(cfg.store_url, store_opts);
  if (!store) throw usage_error("--store (STORE): " + store.error().message);

  system_clock clock;
  region::region_metrics metrics;
  region::store_health health;
  region::session_service service(
      **store, clock,
      region::service_config{.region = cfg.region, .countdown_ms = cfg.countdown_ms, .default_tick_ms = cfg.default_tick_ms}, metrics);
  // Null without --nats: then no event is built or stored anywhere.
  std::unique_ptr<events::publisher> publisher = event_flags.start(**store, store_opts, metrics.registry);
  if (publisher) {
    service.set_events(publisher.get());
    ticks = with_event_hooks(std::move(ticks), *publisher, clock, cfg.region);
  }
  const net::auth_mode mode = access.auth.mode;
  region::region_api api(service, metrics, health, std::move(access));
  broadcast::broadcaster ticker(**store, clock, ticks, cfg.region, &region::session_service::params_of, metrics.registry);
  api.set_hooks(region::api_hooks{
      .session_ended = [&ticker](const store::session_record& r) { ticker.session_ended(r); },
      .players = [&ticker](const std::string& id, std::function<void(std::string)> done) { ticker.players(id, std::move(done)); },
      .session_moved = [&ticker](const std::string& id, const std::string& region,
                                 const std::string& ws_url) { ticker.session_moved(id, region, ws_url); },
      .connections = [&ticker] { return ticker.connections(); },
      .events_status =
          publisher ? std::function<std::string()>([p = publisher.get()] { return p->status_json(); }) : std::function<std::string()>()});
  net::http_server server(
      cfg.http, [&api](net::request&& req, net::reply_fn reply) { api.handle(std::move(req), std::move(reply)); },
      [&api, access = cfg.access_log](const net::exchange_summary& x) { api.observe(x, access); });
  server.set_websocket(net::ws_config{.path = "/ws", .subprotocols = broadcast::broadcaster::subprotocols()}, ticker.open_fn());
  if (auto started = server.start(); !started) {
    log.error("cannot start", {{"error", started.error().message}});
    return 1;
  }
  log.info("listening", {{"region", cfg.region},
                         {"host", cfg.http.host},
                         {"port", server.port()},
                         {"store", (*store)->kind()},
                         {"nats", cfg.nats_url.empty() ? std::string("off") : cfg.nats_url},
                         {"auth_mode", std::string(net::auth_mode_name(mode))}});
  {
    bool store_ok = true;
    periodic_task monitor(std::chrono::seconds(1), [&] { check_health(service, health, metrics, server, store_ok); });
    net::http_client client(
        net::client_config{.connect_timeout = std::chrono::milliseconds(1000), .request_timeout = std::chrono::milliseconds(3000)});
    std::optional<periodic_task> heartbeats;
    if (!cfg.is_main && !cfg.main_server_url.empty()) {
      const std::string token = env_or("REGISTRY_TOKEN", "");
      auto schedule = std::make_shared<heartbeat_schedule>();
      heartbeats.emplace(std::chrono::seconds(1),
                         [&, token, schedule, port = server.port()] { heartbeat(client, cfg, token, port, schedule, clock); });
    }
    const int sig = net::wait_for_termination_signal();
    log.info("shutting down", {{"signal", sig}});
    ticker.shutdown();  // players get close 1001; the hubs' timers go
    server.stop();      // stop accepting, finish in-flight requests
  }
  publisher.reset();  // stop draining; what is left stays in the outbox
  store->reset();     // flush and close the store last
  log.info("stopped");
  return 0;
}

}  // namespace

void add_region_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("region", "Run a region node: the session API over HTTP (seeds 000, 002, 004)");
  auto f = std::make_shared<region_flags>();
  auto opt = [&](const char* flag, std::string& target, const char* env, const char* help) {
    add_env_option(*cmd, flag, target, env, help);
  };
  f->http.add(*cmd);
  f->access.add(*cmd);
  f->events.add(*cmd);
  opt("--trusted-proxies", f->trusted_proxies, "TRUSTED_PROXIES",
      "Addresses/CIDRs (the edge) whose X-Forwarded-For names the client, for the rate limits");
  opt("--region", f->region, "REGION", "This node's region name");
  opt("--is-main", f->is_main, "IS_MAIN", "Seed 002's main-server flag (true/false)");
  opt("--main-server-url", f->main_server_url, "MAIN_SERVER_URL", "Registry to register with (http://HOST:PORT)");
  opt("--advertise-url", f->advertise_url, "ADVERTISE_URL", "URL the registry gives out for this node (default http://HOST:PORT)");
  opt("--ws-url", f->ws_url, "WS_URL", "WebSocket endpoint the registry gives out for this node's tick broadcaster");
  opt("--register-interval-seconds", f->register_interval, "REGISTER_INTERVAL_SECONDS", "Heartbeat period to the registry (s)");
  opt("--store", f->store, "STORE", "sqlite:PATH, redis://HOST:PORT or redis-cluster://HOST:PORT,HOST:PORT,...");
  opt("--countdown-ms", f->countdown_ms, "COUNTDOWN_MS", "Sessions start this long after creation (ms)");
  opt("--default-tick-ms", f->default_tick_ms, "DEFAULT_TICK_MS", "Tick length when a request names none (ms)");
  opt("--store-timeout-ms", f->store_timeout_ms, "STORE_TIMEOUT_MS", "Longest a store operation may take (ms)");
  opt("--store-wait-replica", f->store_wait_replica, "STORE_WAIT_REPLICA",
      "Redis: acknowledge a write only once a replica has it (WAIT 1), so a master failover loses nothing");
  opt("--max-latency-ms", f->max_latency_ms, "MAX_LATENCY_MS", "Tick broadcaster: mean RTT above this kicks (ms)");
  opt("--max-jitter-ms", f->max_jitter_ms, "MAX_JITTER_MS", "Tick broadcaster: RTT std dev above this kicks (ms)");
  opt("--warning-latency-ms", f->warning_latency_ms, "WARNING_LATENCY_MS", "Tick broadcaster: mean RTT above this warns (ms)");
  opt("--warning-jitter-ms", f->warning_jitter_ms, "WARNING_JITTER_MS", "Tick broadcaster: RTT std dev above this warns (ms)");
  opt("--latency-samples", f->latency_samples, "LATENCY_SAMPLES", "Tick broadcaster: RTT samples in the rolling window");
  opt("--ping-interval-ms", f->ping_interval_ms, "PING_INTERVAL_MS", "Tick broadcaster: period of the ping control frames (ms)");
  opt("--unresponsive-ms", f->unresponsive_ms, "UNRESPONSIVE_MS", "Tick broadcaster: no pong and no message for this long kicks (ms)");
  opt("--reconnect-grace-ms", f->reconnect_grace_ms, "RECONNECT_GRACE_MS", "Tick broadcaster: a dropped player may rejoin within (ms)");
  opt("--rejoin-cooldown-ms", f->rejoin_cooldown_ms, "REJOIN_COOLDOWN_MS", "Tick broadcaster: a kicked player may not rejoin for (ms)");
  cmd->callback([f] {
    store::store_options store_opts;
    const region::region_config cfg = build_config(*f, store_opts);
    const broadcast::settings ticks = broadcast_settings(*f);
    region::api_access access = api_access_of(*f);
    net::block_termination_signals();
    const int code = run_region(cfg, store_opts, ticks, std::move(access), f->events);
    if (code != 0) std::exit(code);
  });
}

}  // namespace metronome::cli
