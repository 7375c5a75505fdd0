// The region node's metrics, registered once and rendered at GET /metrics.
// The label sets requests use are bound once here (obs::handle): updating
// them takes no lock and no lookup.
#pragma once

#include <array>
#include <cstddef>

#include "metronome/net/http_metrics.hpp"
#include "metronome/obs/metrics.hpp"
#include "metronome/store/session.hpp"

namespace metronome::region {

/// The session store operations the region times, in label order.
enum class store_op : std::size_t { create, get, end, list_by_user, ping };
inline constexpr std::array<const char*, 5> store_op_names{"create", "get", "end", "list_by_user", "ping"};

struct region_metrics {
  region_metrics();

  obs::registry registry;
  net::http_metrics http;                       ///< Requests by route, method, status; latency.
  obs::family<obs::histogram>& store_duration;  ///< {op}, seconds
  obs::family<obs::counter>& store_errors;      ///< {op, code}
  obs::family<obs::counter>& sessions_created;  ///< {mode}
  obs::family<obs::counter>& sessions_ended;    ///< {status}
  obs::family<obs::gauge>& store_up;            ///< 1 when the last health ping succeeded
  obs::family<obs::gauge>& http_connections;    ///< open connections, sampled each second

  // Bound label sets.
  std::array<obs::handle<obs::histogram>, store_op_names.size()> store_duration_by_op;  ///< Indexed by store_op.
  obs::handle<obs::counter> created_client, created_server;                             ///< sessions_created{mode}
  obs::handle<obs::counter> ended_stopped, ended_exited;                                ///< sessions_ended{status}
  obs::handle<obs::gauge> store_up_now;                                                 ///< store_up{}
  obs::handle<obs::gauge> http_connections_now;                                         ///< http_connections{}

  obs::histogram& duration_of(store_op op) const noexcept { return *store_duration_by_op[static_cast<std::size_t>(op)]; }
  obs::counter& created(store::session_mode m) const noexcept {
    return m == store::session_mode::server ? *created_server : *created_client;
  }
  obs::counter& ended(store::session_status s) const noexcept {
    return s == store::session_status::exited ? *ended_exited : *ended_stopped;
  }
};

}  // namespace metronome::region
