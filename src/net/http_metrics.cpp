#include "metronome/net/http_metrics.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace metronome::net {
namespace {

/// One (route, method, status) series, cached per thread.
struct series {
  std::uint64_t owner;
  std::string route, method;
  unsigned status;
  obs::counter* requests;
  obs::histogram* duration;
};

std::atomic<std::uint64_t> next_id{1};

/// Methods as a label: a fixed set, so that clients inventing methods cannot
/// grow the number of series.
std::string_view method_label(std::string_view m) {
  for (const std::string_view known : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}

}  // namespace

http_metrics::http_metrics(obs::registry& registry)
    : requests_(registry.add_counter("metronome_http_requests_total", "HTTP requests answered, by route template, method and status.")),
      duration_(registry.add_histogram("metronome_http_request_duration_seconds",
                                       "Time from a request's first byte to its response written, by route template.",
                                       obs::registry::latency_buckets())),
      id_(next_id.fetch_add(1)) {}

void http_metrics::observe(const exchange_summary& x, bool access_log) {
  const std::string_view route = x.route.empty() ? std::string_view("unmatched") : x.route;
  const std::string_view method = method_label(x.req.method);
  thread_local std::vector<series> cache;
  series* s = nullptr;
  for (auto& c : cache) {
    if (c.owner == id_ && c.status == x.status && c.route == route && c.method == method) {
      s = &c;
      break;
    }
  }
  if (s == nullptr) {
    if (cache.size() >= 256) cache.clear();  // bounded: odd methods cannot grow it forever
    const std::string r(route);
    cache.push_back(series{id_, r, std::string(method), x.status,
                           &requests_.with({{"route", r}, {"method", std::string(method)}, {"status", std::to_string(x.status)}}),
                           &duration_.with({{"route", r}})});
    s = &cache.back();
  }
  s->requests->inc();
  s->duration->observe(static_cast<double>(x.duration.count()) / 1e6);
  if (access_log || x.status >= 500) {
    access_.log(x.status >= 500 ? obs::level::warn : obs::level::info, "request",
                {{"request_id", x.req.request_id},
                 {"method", x.req.method},
                 {"path", x.req.path},
                 {"route", route},
                 {"status", x.status},
                 {"duration_us", x.duration.count()},
                 {"bytes", x.response_bytes},
                 {"remote", x.req.remote_address}});
  }
}

}  // namespace metronome::net
