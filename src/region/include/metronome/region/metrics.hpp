// The region node's metrics, registered once and rendered at GET /metrics.
#pragma once

#include "metronome/net/http_metrics.hpp"
#include "metronome/obs/metrics.hpp"

namespace metronome::region {

struct region_metrics {
  region_metrics();

  obs::registry registry;
  net::http_metrics http;                            ///< Requests by route, method, status; latency.
  obs::family<obs::histogram>& store_duration;      ///< {op}, seconds
  obs::family<obs::counter>& store_errors;          ///< {op, code}
  obs::family<obs::counter>& sessions_created;      ///< {mode}
  obs::family<obs::counter>& sessions_ended;        ///< {status}
  obs::family<obs::gauge>& store_up;                ///< 1 when the last health ping succeeded
  obs::family<obs::gauge>& http_connections;        ///< open connections, sampled each second
};

}  // namespace metronome::region
