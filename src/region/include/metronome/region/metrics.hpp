// The region node's metrics, registered once and rendered at GET /metrics.
#pragma once

#include "metronome/obs/metrics.hpp"

namespace metronome::region {

struct region_metrics {
  region_metrics();

  obs::registry registry;
  obs::family<obs::counter>& http_requests;         ///< {route, method, status}
  obs::family<obs::histogram>& http_duration;       ///< {route}, seconds
  obs::family<obs::histogram>& store_duration;      ///< {op}, seconds
  obs::family<obs::counter>& store_errors;          ///< {op, code}
  obs::family<obs::counter>& sessions_created;      ///< {mode}
  obs::family<obs::counter>& sessions_ended;        ///< {status}
  obs::family<obs::gauge>& store_up;                ///< 1 when the last health ping succeeded
  obs::family<obs::gauge>& http_connections;        ///< open connections, sampled each second
};

}  // namespace metronome::region
