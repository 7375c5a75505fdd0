// Request metrics and the access log, shared by every HTTP process: counts by
// route template, method and status, a latency histogram by route, and one
// JSON log line per request (always for 5xx).
#pragma once

#include <cstdint>

#include "metronome/net/http.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/obs/metrics.hpp"

namespace metronome::net {

class http_metrics {
 public:
  /// Registers metronome_http_requests_total and
  /// metronome_http_request_duration_seconds in `registry`.
  explicit http_metrics(obs::registry& registry);

  /// Call from the server's exchange_observer. Allocation-free after the
  /// first request of each (route, method, status).
  void observe(const exchange_summary& x, bool access_log);

 private:
  obs::family<obs::counter>& requests_;
  obs::family<obs::histogram>& duration_;
  obs::logger access_{"http"};
  std::uint64_t id_;  ///< Never reused (unlike an address): keys the per-thread cache.
};

}  // namespace metronome::net
