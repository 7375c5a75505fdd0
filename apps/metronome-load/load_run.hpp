// The run's phases: ramp (clients connect at ramp_per_second), warm-up,
// measuring window, close. Prints one line per phase change on `events`
// ("event ramp_done ...", "event measure_start", "event measure_end") so a
// driving script can sample server CPU over exactly the measuring window.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "client_stats.hpp"
#include "load_config.hpp"
#include "url.hpp"

namespace metronome::load {

struct load_result {
  int connected = 0;                ///< clients that became ready
  int failed = 0;                   ///< clients that never became ready
  int closed_early = 0;             ///< ready clients the server closed before the end
  double ramp_s = 0;                ///< from the first connection to all ready or failed (s)
  double window_s = 0;              ///< measured window (s)
  double client_cpu_s = 0;          ///< this process's user + system CPU over the window (s)
  std::int64_t client_rss_kib = 0;  ///< this process's VmRSS at the end of the window
  client_stats stats;               ///< all threads merged
};

load_result run_load(const load_config& cfg, const endpoint_url& server, std::ostream& events);

}  // namespace metronome::load
