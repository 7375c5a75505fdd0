// The edge's router, registry routes, health, background probes and the web
// client's static files.
#include "metronome/edge/edge_api.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "metronome/core/time_format.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/json_body.hpp"
#include "metronome/net/reply.hpp"

namespace metronome::edge {

namespace json = boost::json;
using net::reply_error;
using net::reply_json;

namespace {

std::string_view content_type_for(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

/// decisions{rule} bound once for each of choice::rules, in that order.
template <std::size_t... I>
std::array<obs::handle<obs::counter>, sizeof...(I)> bind_rules(obs::family<obs::counter>& decisions, std::index_sequence<I...>) {
  return {decisions.bind({{"rule", std::string(edge_api::choice::rules[I])}})...};
}

}  // namespace

edge_metrics::edge_metrics()
    : http(registry),
      proxied(registry.add_counter("metronome_edge_proxied_total", "Requests proxied to regions, by region and outcome.")),
      proxy_latency(registry.add_histogram("metronome_edge_proxy_duration_seconds", "Round trip of proxied requests, by region.",
                                           obs::registry::latency_buckets())),
      decisions(registry.add_counter("metronome_edge_routing_decisions_total", "Starts routed, by the rule that chose the region.")),
      cache_lookups(registry.add_counter("metronome_edge_session_cache_lookups_total", "Session cache lookups, by result.")),
      healthy_regions(registry.add_gauge("metronome_edge_healthy_regions", "Regions eligible for new sessions.")),
      cache_hit(cache_lookups.bind({{"result", "hit"}})),
      cache_miss(cache_lookups.bind({{"result", "miss"}})),
      healthy_regions_now(healthy_regions.bind({})),
      decisions_by_rule(bind_rules(decisions, std::make_index_sequence<edge_api::choice::rules.size()>{})),
      instance([] {
        static std::atomic<std::uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
      }()) {}

void edge_metrics::count_proxied(const std::string& region, std::string_view outcome, double seconds) {
  // Per thread: which edge_metrics, region and outcome -> the bound metrics.
  // A handful of entries (regions x outcomes); emptied if it ever grows past
  // that (regions come and go, tests make many edge_metrics).
  struct counted {
    std::uint64_t instance;
    std::string region, outcome;
    obs::counter* proxied;
    obs::histogram* latency;
  };
  thread_local std::vector<counted> cache;
  counted* hit = nullptr;
  for (counted& c : cache) {
    if (c.instance == instance && c.outcome == outcome && c.region == region) {
      hit = &c;
      break;
    }
  }
  if (hit == nullptr) {
    if (cache.size() >= 64) cache.clear();
    hit = &cache.emplace_back(counted{instance, region, std::string(outcome),
                                      &proxied.with({{"region", region}, {"outcome", std::string(outcome)}}),
                                      &proxy_latency.with({{"region", region}})});
  }
  hit->proxied->inc();
  hit->latency->observe(seconds);
}

obs::counter& edge_metrics::decision(std::string_view rule) const noexcept {
  for (std::size_t i = 0; i < edge_api::choice::rules.size(); ++i) {
    if (edge_api::choice::rules[i] == rule) return *decisions_by_rule[i];
  }
  return *decisions_by_rule.back();
}

edge_api::edge_api(edge_settings settings, region_directory& directory, session_cache& cache, store::session_store& sessions,
                   store::registry_store& registry, upstream& client, const clock& clk, const country_map& countries,
                   const geoip_lookup& geoip, const address_set& trusted_proxies, edge_metrics& metrics)
    : settings_(std::move(settings)),
      directory_(directory),
      cache_(cache),
      sessions_(sessions),
      registry_(registry),
      client_(client),
      clock_(clk),
      countries_(countries),
      geoip_(geoip),
      trusted_(trusted_proxies),
      metrics_(metrics),
      limiter_(settings_.rate_per_second, settings_.rate_burst),
      console_(
          console_settings{
              .auth = settings_.auth, .world_url = settings_.world_url, .world_operator_secret = settings_.world_operator_secret},
          directory, sessions, client, clk, [this] { return metrics_text(); }) {
  build_routes();
}

void edge_api::build_routes() {
  using net::body_kind;
  using net::path_params;
  using net::reply_fn;
  using net::request;
  router_.param("id", store::plausible_session_id, "no session ");
  struct post_route {
    const char* path;
    void (edge_api::*fn)(const net::request&, net::reply_fn, const char*, bool);
    bool seed002;
  };
  static constexpr post_route posts[] = {{"/edge/game/start", &edge_api::start, false},
                                         {"/edge/game/exit", &edge_api::exit, false},
                                         {"/game/start", &edge_api::start, true},
                                         {"/game/exit", &edge_api::exit, true}};
  for (const auto& r : posts) {
    router_.add(
        "POST", r.path, [this, r](request&& q, const path_params&, reply_fn out) { (this->*r.fn)(q, std::move(out), r.path, r.seed002); },
        body_kind::json);
  }
  router_
      .add(
          "POST", "/api/regions/register", [this](request&& q, const path_params&, reply_fn r) { register_region(q, std::move(r)); },
          body_kind::json)
      .add("GET", "/api/regions", [this](request&&, const path_params&, reply_fn r) { list_regions(std::move(r)); })
      .add("GET", "/edge/sessions/{id}", [this](request&&, const path_params& p, reply_fn r) { session(p[0], std::move(r)); })
      .add("GET", "/edge/sessions/{id}/replay", [this](request&& q, const path_params& p, reply_fn r) { replay(p[0], q, std::move(r)); })
      // For clients that sync their clock over HTTP (docs/protocol.md, "Clock
      // synchronization", with an HTTP round trip in place of a ping).
      .add("GET", "/edge/time",
           [this](request&&, const path_params&, reply_fn r) {
             reply_json(r, 200, json::object{{"serverTimestamp", clock_.now_ms()}}, "/edge/time");
           })
      .add("GET", "/healthz", [this](request&&, const path_params&, reply_fn r) { health("/healthz", std::move(r)); })
      .add("GET", "/health", [this](request&&, const path_params&, reply_fn r) { health("/health", std::move(r)); })
      .add("GET", "/metrics", [this](request&&, const path_params&, reply_fn r) { metrics(std::move(r)); });
  console_.add_routes(router_);
  add_migrate_routes();
}

void edge_api::handle(net::request&& req, net::reply_fn reply) {
  if (router_.dispatch(req, reply)) return;
  if ((req.method == "GET" || req.method == "HEAD") && serve_file(req, reply)) return;
  reply_error(reply, make_error(errc::not_found, "no route for " + req.method + " " + req.path), "unmatched");
}

std::string edge_api::metrics_text() {
  metrics_.healthy_regions_now->set(static_cast<double>(directory_.healthy(clock_.now_ms()).size()));
  return metrics_.registry.render();
}

void edge_api::metrics(net::reply_fn reply) {
  net::response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_text();
  r.route = "/metrics";
  reply(std::move(r));
}

void edge_api::register_region(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/api/regions/register";
  std::string_view token = req.header("x-registry-token");
  if (token.empty()) token = net::bearer_token(req);
  if (!net::secret_equals(token, settings_.registry_token)) {
    net::response r = net::error_response(
        make_error(errc::unauthorized, "a valid registry token is required (Authorization: Bearer ... or X-Registry-Token)"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"metronome-registry\"");
    r.route = route;
    return reply(std::move(r));
  }
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) return reply_error(reply, make_error(errc::invalid_argument, "the body must be a JSON object"), route);
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* x = o.if_contains(k);
    return x != nullptr && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  store::region_record rec{str("region"), str("base_url"), str("ws_url"), 0, clock_.now_ms()};
  if (!store::valid_region_name(rec.name)) {
    return reply_error(reply, make_error(errc::invalid_argument, "region must be " + std::string(store::region_name_rule)), route);
  }
  if (!net::parse_http_base_url(rec.base_url))
    return reply_error(reply, make_error(errc::invalid_argument, "base_url must be http://HOST:PORT"), route);
  if (!rec.ws_url.empty() && !rec.ws_url.starts_with("ws://"))
    return reply_error(reply, make_error(errc::invalid_argument, "ws_url must be ws://HOST:PORT/PATH"), route);
  registry_.upsert_region(std::move(rec), [this, reply](result<store::region_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    directory_.merge_registered({*r});
    reply_json(reply, 200,
               json::object{{"region", r->name},
                            {"base_url", r->base_url},
                            {"ws_url", r->ws_url},
                            {"status", "registered"},
                            {"registered_at", rfc3339_ms(r->registered_at_ms)},
                            {"last_seen", rfc3339_ms(r->last_seen_ms)}},
               route);
  });
}

void edge_api::list_regions(net::reply_fn reply) {
  json::array regions;
  for (const auto& v : directory_.all(clock_.now_ms())) regions.push_back(region_json(v));
  reply_json(reply, 200, json::object{{"regions", std::move(regions)}, {"default_region", settings_.default_region}}, "/api/regions");
}

void edge_api::health(const char* route, net::reply_fn reply) {
  const auto all = directory_.all(clock_.now_ms());
  std::size_t up = 0;
  for (const auto& v : all) up += v.healthy ? 1 : 0;
  const bool ok = up > 0;
  json::object o{{"status", ok ? "ok" : "degraded"}, {"regions", json::object{{"up", up}, {"total", all.size()}}}};
  // As on a region: events report their state but never make the edge
  // unhealthy (docs/events.md).
  if (events_status_) {
    boost::system::error_code ec;
    json::value events = json::parse(events_status_(), ec);
    if (!ec) o["events"] = std::move(events);
  }
  reply_json(reply, ok ? 200 : 503, o, route);
}

void edge_api::probe_regions(std::chrono::milliseconds timeout) {
  (void)timeout;  // the client's request_timeout bounds every probe
  for (const auto& v : directory_.all(clock_.now_ms())) {
    net::client_request cr;
    cr.method = "GET";
    cr.host = v.host;
    cr.port = v.port;
    cr.target = "/healthz";
    const std::int64_t started = clock_.monotonic_us();
    client_.request(std::move(cr), [this, name = v.name, started](result<net::client_response> r) {
      const double rtt_ms = static_cast<double>(clock_.monotonic_us() - started) / 1000.0;
      directory_.record_probe(name, r && r->status == 200, rtt_ms);
      // The region's load, as its answer reports it (docs/openapi.yaml Health).
      std::int64_t connections = -1;
      if (r && r->status == 200) {
        boost::system::error_code ec;
        const json::value answer = json::parse(r->body, ec);
        const json::value* load = !ec && answer.is_object() ? answer.as_object().if_contains("load") : nullptr;
        const json::value* n = load != nullptr && load->is_object() ? load->as_object().if_contains("connections") : nullptr;
        if (n != nullptr && n->is_int64() && n->as_int64() >= 0) connections = n->as_int64();
      }
      directory_.record_load(name, connections);
    });
  }
}

void edge_api::refresh_registry() {
  registry_.list_regions([this](result<std::vector<store::region_record>> r) {
    if (r) {
      directory_.merge_registered(*r);
    } else {
      log_.warn("registry refresh failed", {{"error", r.error().message}});
    }
  });
}

bool edge_api::serve_file(const net::request& req, const net::reply_fn& reply) {
  if (settings_.web_root.empty()) return false;
  namespace fs = std::filesystem;
  std::string rel = req.path == "/" ? "index.html" : req.path == "/console" ? "console.html" : req.path.substr(1);
  if (rel.find("..") != std::string::npos || rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) return false;
  const fs::path root = fs::path(settings_.web_root);
  const fs::path file = root / rel;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  net::response r;
  r.content_type = std::string(content_type_for(file));
  r.body = ss.str();  // a HEAD answer keeps the length and drops the body (net)
  r.headers.emplace_back("Cache-Control", rel.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  r.route = "static";
  reply(std::move(r));
  return true;
}

}  // namespace metronome::edge
