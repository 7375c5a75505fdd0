#include "edge_command.hpp"

#include <memory>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "edge_world_token.hpp"
#include "events_command.hpp"
#include "metronome/core/clock.hpp"
#include "metronome/core/periodic_task.hpp"
#include "metronome/edge/edge_api.hpp"
#include "metronome/events/event.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/net/signals.hpp"
#include "metronome/store/backends.hpp"
#include "metronome/store/registry_store.hpp"

namespace metronome::cli {
namespace {

struct edge_flags {
  http_flags http{"8080"};
  std::string store = "sqlite:metronome.db", regions, default_region = "eu", registry_token, register_interval = "30";
  std::string cache_ttl_ms = "30000", cache_active_ms = "1000", cache_max = "100000", country_regions,
              geoip_db = "/usr/share/GeoIP/GeoIP.dat";
  std::string geoip6_db = "/usr/share/GeoIP/GeoIPv6.dat", trusted_proxies, proxy_timeout_ms = "5000", connect_timeout_ms = "1000";
  std::string health_interval_ms = "1000", breaker_failures = "3", breaker_cooldown_ms = "10000", web_root, store_timeout_ms = "2000";
  std::string world_data_dir, world_url, load_threshold = "50";
  access_flags access;
  events_flags events;
};

/// "eu=http://127.0.0.1:8081,us=http://..." into the directory.
void add_static_regions(edge::region_directory& dir, std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos)
      throw usage_error("--regions (REGIONS): expected NAME=http://HOST:PORT, got '" + std::string(item) + "'");
    if (auto ok = dir.add_static(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))); !ok) {
      throw usage_error("--regions (REGIONS): " + ok.error().message);
    }
  }
}

int run_edge(const edge_flags& f) {
  const net::server_config http = f.http.parse();
  const bool access_log = f.http.access_log();
  store::store_options store_opts;
  store_opts.timeout = std::chrono::milliseconds(parse_int("--store-timeout-ms (STORE_TIMEOUT_MS)", f.store_timeout_ms, 50, 60'000));
  f.events.apply(store_opts);
  const std::int64_t interval_s = parse_int("--register-interval-seconds (REGISTER_INTERVAL_SECONDS)", f.register_interval, 1, 3600);
  const edge::breaker_settings breaker{
      .failures_to_open = static_cast<int>(parse_int("--breaker-failures (BREAKER_FAILURES)", f.breaker_failures, 1, 1000)),
      .cooldown_ms = parse_int("--breaker-cooldown-ms (BREAKER_COOLDOWN_MS)", f.breaker_cooldown_ms, 100, 3'600'000)};
  edge::region_directory directory(breaker, interval_s * 1000);
  add_static_regions(directory, f.regions);
  auto trusted = edge::address_set::parse(f.trusted_proxies);
  if (!trusted) throw usage_error("--trusted-proxies (TRUSTED_PROXIES): " + trusted.error().message);
  auto countries = edge::country_map::with_overrides(f.country_regions);
  if (!countries) throw usage_error("--country-regions (COUNTRY_REGIONS): " + countries.error().message);
  const access_flags::parsed access = f.access.parse();
  // The world's token secret (WORLD_DATA_DIR): world tokens, and the console's
  // map as the world's operator secret (the same unless the world runs with
  // --operator-secret-file).
  std::string world_secret;
  if (!f.world_data_dir.empty()) {
    try {
      world_secret = gateway::load_or_create_secret(f.world_data_dir);
    } catch (const std::exception& e) {
      throw usage_error(std::string("--world-data-dir (WORLD_DATA_DIR): ") + e.what());
    }
  }
  const edge::edge_settings settings{
      .default_region = f.default_region,
      .registry_token = f.registry_token,
      .register_interval_ms = interval_s * 1000,
      .cache_ttl_ms = parse_int("--session-cache-ttl-ms (SESSION_CACHE_TTL_MS)", f.cache_ttl_ms, 0, 86'400'000),
      .cache_active_ms = parse_int("--session-cache-active-ms (SESSION_CACHE_ACTIVE_MS)", f.cache_active_ms, 0, 86'400'000),
      .cache_capacity = static_cast<std::size_t>(parse_int("--session-cache-max (SESSION_CACHE_MAX)", f.cache_max, 1, 10'000'000)),
      .web_root = f.web_root,
      .auth = access.auth,
      .rate_per_second = access.per_second,
      .rate_burst = access.burst,
      .world_url = f.world_url,
      .world_operator_secret = world_secret,
      .load_threshold = parse_int("--load-threshold (LOAD_THRESHOLD)", f.load_threshold, 1, 1'000'000'000)};
  const auto health_interval =
      std::chrono::milliseconds(parse_int("--health-interval-ms (HEALTH_INTERVAL_MS)", f.health_interval_ms, 50, 60'000));
  net::client_config client_cfg;
  client_cfg.connect_timeout =
      std::chrono::milliseconds(parse_int("--connect-timeout-ms (CONNECT_TIMEOUT_MS)", f.connect_timeout_ms, 10, 60'000));
  client_cfg.request_timeout =
      std::chrono::milliseconds(parse_int("--proxy-timeout-ms (PROXY_TIMEOUT_MS)", f.proxy_timeout_ms, 10, 600'000));
  // Keep every connection a region may need: with fewer idle slots than
  // requests in flight (the default 32, against 64 concurrent clients), each
  // burst of answers closes connections the next burst reopens. That cost
  // ~1,400 new upstream connections a second at 64 clients (bench/edge_bench.py),
  // each leaving a TIME_WAIT socket on the edge, enough to run out of
  // ephemeral ports to a region on another host within a minute. Unused
  // connections still close after idle_timeout.
  client_cfg.max_idle_per_host = client_cfg.max_connections_per_host;
  // A proxied request's client I/O runs on the server thread that received
  // it, with that thread's pools (no thread hop); the background probes,
  // from their own thread, use the client's thread.
  client_cfg.mode = net::client_mode::caller_loop;

  auto sessions = store::make_session_store(f.store, store_opts);
  if (!sessions) throw usage_error("--store (STORE): " + sessions.error().message);
  auto registry = store::make_registry_store(f.store, store_opts);
  if (!registry) throw usage_error("--store (STORE): " + registry.error().message);

  obs::logger log("edge");
  if (settings.registry_token.empty()) log.warn("REGISTRY_TOKEN is not set: every region registration will be refused");
  net::block_termination_signals();
  system_clock clock;
  edge::session_cache cache(settings.cache_capacity, settings.cache_ttl_ms, settings.cache_active_ms);
  const edge::geoip_lookup geoip(f.geoip_db, f.geoip6_db);
  if (!geoip.available()) log.warn("GeoIP database not found: geographic routing uses cf-ipcountry only", {{"path", f.geoip_db}});
  edge::edge_metrics metrics;
  net::http_client client(client_cfg);
  edge::http_upstream upstream(client);
  // region.up / region.down (docs/events.md); null without --nats.
  std::unique_ptr<events::publisher> publisher = f.events.start(**sessions, store_opts, metrics.registry);
  if (publisher) {
    directory.set_health_listener([p = publisher.get(), &clock](const edge::region_view& v, bool up, std::string_view reason) {
      p->emit(events::region_changed(v.name, up, reason, clock.now_ms(), "edge"));
    });
  }
  edge::edge_api api(settings, directory, cache, **sessions, **registry, upstream, clock, *countries, geoip, *trusted, metrics);
  if (publisher) api.set_events_status([p = publisher.get()] { return p->status_json(); });
  // POST /edge/world/token (edge_world_token.hpp), when the edge knows the world's secret.
  std::unique_ptr<world_token_route> world_tokens;
  if (!world_secret.empty()) {
    world_tokens = std::make_unique<world_token_route>(world_token_settings{
        .tokens = {.secret = world_secret},
        .gateway_url = f.world_url,
        .auth = access.auth,
        .rate_per_second = access.per_second,
        .rate_burst = access.burst,
    });
  }
  net::http_server server(
      http,
      [&api, &world_tokens, &clock](net::request&& req, net::reply_fn reply) {
        if (req.path != world_token_route::path) return api.handle(std::move(req), std::move(reply));
        if (world_tokens) return world_tokens->handle(req, reply, clock.now_ms());
        net::reply_error(
            reply, make_error(errc::not_found, "this edge issues no world tokens: start it with --world-data-dir DIR (WORLD_DATA_DIR)"),
            world_token_route::path);
      },
      [&api, access_log](const net::exchange_summary& x) { api.observe(x, access_log); });
  if (auto started = server.start(); !started) {
    log.error("cannot start", {{"error", started.error().message}});
    return 1;
  }
  log.info("listening", {{"host", http.host},
                         {"port", server.port()},
                         {"default_region", settings.default_region},
                         {"auth_mode", std::string(net::auth_mode_name(settings.auth.mode))}});
  {
    periodic_task background(health_interval, [&] {
      directory.watch_health(clock.now_ms());  // the previous round's probes
      api.refresh_registry();
      api.probe_regions(health_interval);
    });
    const int sig = net::wait_for_termination_signal();
    log.info("shutting down", {{"signal", sig}});
    server.stop();
  }
  publisher.reset();
  log.info("stopped");
  return 0;
}

}  // namespace

void add_edge_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("edge", "Run the edge gateway and region registry (seeds 000, 001, 002)");
  auto f = std::make_shared<edge_flags>();
  auto opt = [&](const char* flag, std::string& target, const char* env, const char* help) {
    add_env_option(*cmd, flag, target, env, help);
  };
  f->http.add(*cmd);
  f->access.add(*cmd);
  f->events.add(*cmd);
  opt("--store", f->store, "STORE", "Shared store: sqlite:PATH, redis://HOST:PORT or redis-cluster://HOST:PORT,...");
  opt("--regions", f->regions, "REGIONS", "Static regions: NAME=http://HOST:PORT,... (registered ones join by themselves)");
  opt("--default-region", f->default_region, "DEFAULT_REGION", "Region when no other rule decides");
  opt("--registry-token", f->registry_token, "REGISTRY_TOKEN", "Shared secret regions present to register");
  opt("--register-interval-seconds", f->register_interval, "REGISTER_INTERVAL_SECONDS", "Expected heartbeat period; 3 missed = down");
  opt("--session-cache-ttl-ms", f->cache_ttl_ms, "SESSION_CACHE_TTL_MS", "How long a cached session is served (ms)");
  opt("--session-cache-active-ms", f->cache_active_ms, "SESSION_CACHE_ACTIVE_MS",
      "How long a cached session that was active is answered from the cache (ms): the bound on a stale end");
  opt("--session-cache-max", f->cache_max, "SESSION_CACHE_MAX", "Cached sessions at most");
  opt("--load-threshold", f->load_threshold, "LOAD_THRESHOLD",
      "Connections more than the least loaded region's that send a start there instead (no rtt, no named region)");
  opt("--country-regions", f->country_regions, "COUNTRY_REGIONS", "Overrides of the country map: CC=region,...");
  opt("--geoip-db", f->geoip_db, "GEOIP_DB", "GeoIP country database (IPv4)");
  opt("--geoip6-db", f->geoip6_db, "GEOIP6_DB", "GeoIP country database (IPv6)");
  opt("--trusted-proxies", f->trusted_proxies, "TRUSTED_PROXIES", "Addresses/CIDRs whose X-Forwarded-For is believed");
  opt("--proxy-timeout-ms", f->proxy_timeout_ms, "PROXY_TIMEOUT_MS", "A region's answer must arrive within this (ms)");
  opt("--connect-timeout-ms", f->connect_timeout_ms, "CONNECT_TIMEOUT_MS", "Connecting to a region (ms)");
  opt("--health-interval-ms", f->health_interval_ms, "HEALTH_INTERVAL_MS", "Region probes and registry refresh period (ms)");
  opt("--breaker-failures", f->breaker_failures, "BREAKER_FAILURES", "Consecutive failures that take a region out of rotation");
  opt("--breaker-cooldown-ms", f->breaker_cooldown_ms, "BREAKER_COOLDOWN_MS", "How long before a trial request (ms)");
  opt("--web-root", f->web_root, "WEB_ROOT", "Directory of the web client to serve at /");
  opt("--store-timeout-ms", f->store_timeout_ms, "STORE_TIMEOUT_MS", "Longest a store operation may take (ms)");
  opt("--world-data-dir", f->world_data_dir, "WORLD_DATA_DIR",
      "The world gateway's data directory (its token secret): enables POST /edge/world/token and the console's world map");
  opt("--world-url", f->world_url, "WORLD_URL", "The world gateway's ws:// URL, returned with each world token");
  cmd->callback([f] {
    const int code = run_edge(*f);
    if (code != 0) std::exit(code);
  });
}

}  // namespace metronome::cli
