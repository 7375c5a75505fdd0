// `metronome-load world`'s phases: ramp, warm-up, measuring window (with the
// sampled brute-force checks), close. Prints one line per phase change on
// `events`, like the broadcaster mode, so a script can sample the server
// over exactly the window.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "url.hpp"
#include "world_bot.hpp"
#include "world_config.hpp"

namespace metronome::load {

struct world_result {
  int connected = 0;                ///< bots that got a first tick frame
  int failed = 0;                   ///< bots that never did
  int closed_early = 0;             ///< connected bots whose connection ended before the close phase
  double ramp_s = 0, window_s = 0;  ///< (s)
  double client_cpu_s = 0;          ///< this process's user + system CPU over the window (s)
  std::int64_t client_rss_kib = 0;
  std::uint64_t check_rounds = 0;         ///< truths fetched and handed to sampled bots
  std::uint64_t check_timeouts = 0;       ///< sampled bots that did not answer within the bound
  std::vector<std::string> truth_errors;  ///< failed GET /world/truth (the first few)
  std::uint64_t truth_error_count = 0;
  world_bot_stats stats;  ///< every pool merged
};

/// `http` is the gateway's HTTP address (the /world URL's host and port).
world_result run_world(const world_load_config& cfg, const endpoint_url& server, const std::vector<std::string>& tokens,
                       std::ostream& events);

/// The JSON report (README.md, "World mode", "Report").
std::string world_report_json(const world_load_config& cfg, const world_result& r);
/// A few lines for stderr.
std::string world_report_summary(const world_result& r);
/// Whether the run passed: every bot connected, no decode or view error, no
/// mismatch, no failed truth, and (when checking) at least one comparison.
bool world_passed(const world_load_config& cfg, const world_result& r);

}  // namespace metronome::load
