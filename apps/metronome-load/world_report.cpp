// The report of `metronome-load world` (README.md, "World mode", "Report").
#include <fmt/format.h>

#include "json_parts.hpp"
#include "world_run.hpp"

namespace metronome::load {
namespace {

double per(double n, double d) { return d > 0 ? n / d : 0.0; }

std::string strings_json(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& s : v) {
    if (out.size() > 1) out += ",";
    out += "\"" + escaped(s) + "\"";
  }
  return out + "]";
}

}  // namespace

bool world_passed(const world_load_config& cfg, const world_result& r) {
  const auto& s = r.stats;
  const bool checking = cfg.check_every > 0 && cfg.check_bots > 0;
  return r.connected == cfg.bots && s.decode_errors == 0 && s.view_errors == 0 && s.mismatches == 0 && r.truth_error_count == 0 &&
         (!checking || s.comparisons > 0);
}

std::string world_report_json(const world_load_config& cfg, const world_result& r) {
  const auto& s = r.stats;
  const double client_s = r.window_s * r.connected;
  return fmt::format(
      "{{\"mode\":\"world\",\"url\":\"{}\",\"bots\":{},\"threads\":{},\"source_addresses\":{},\"passed\":{},"
      "\"connected\":{},\"failed\":{},\"closed_early\":{},\"failures\":{},\"close_codes\":{},\"error_messages\":{},"
      "\"ramp_s\":{:.3f},\"window_s\":{:.3f},"
      "\"input_to_broadcast_ms\":{},\"probes_lost\":{},\"commands\":{},\"rejected\":{},"
      "\"frames\":{},\"frames_per_client_per_s\":{:.2f},\"bytes_per_client_per_s\":{:.1f},\"kbit_per_client_per_s\":{:.2f},"
      "\"updates\":{},\"updates_per_client_per_s\":{:.1f},\"bits_per_entity_update\":{:.2f},\"frame_bits_per_entity_update\":{:.2f},"
      "\"events\":{},\"resets\":{},\"decode_errors\":{},\"view_errors\":{},"
      "\"check\":{{\"every_ticks\":{},\"bots_per_round\":{},\"rounds\":{},\"comparisons\":{},\"entities_checked\":{},"
      "\"unavailable\":{},\"timeouts\":{},\"truth_errors\":{},\"truth_error_list\":{},\"mismatches\":{},"
      "\"position_rule\":\"|view - world| per axis <= 4 + staleness_ticks * (maxSpeed + 2 * entityRadius) fixed-point units\"}},"
      "\"first_failures\":{},\"client_cpu_s\":{:.3f},\"client_cpu_pct\":{:.1f},\"client_rss_kib\":{}}}\n",
      escaped(cfg.url), cfg.bots, cfg.threads, cfg.source_addresses, world_passed(cfg, r) ? "true" : "false", r.connected, r.failed,
      r.closed_early, object_of(s.failures), object_of(s.close_codes), object_of(s.error_messages), r.ramp_s, r.window_s,
      percentiles_json(s.latency), s.probes_lost, s.commands, object_of(s.rejected), s.frames, per(static_cast<double>(s.frames), client_s),
      per(static_cast<double>(s.frame_bytes), client_s), per(static_cast<double>(s.frame_bytes) * 8 / 1000, client_s), s.updates,
      per(static_cast<double>(s.updates), client_s), per(static_cast<double>(s.update_bytes) * 8, static_cast<double>(s.updates)),
      per(static_cast<double>(s.frame_bytes) * 8, static_cast<double>(s.updates)), s.events, s.resets, s.decode_errors, s.view_errors,
      cfg.check_every, cfg.check_bots, r.check_rounds, s.comparisons, s.entities_checked, s.unavailable, r.check_timeouts,
      r.truth_error_count, strings_json(r.truth_errors), s.mismatches, strings_json(s.first_failures), r.client_cpu_s,
      per(100.0 * r.client_cpu_s, r.window_s), r.client_rss_kib);
}

std::string world_report_summary(const world_result& r) {
  const auto& s = r.stats;
  const auto& h = s.latency;
  std::string out = fmt::format(
      "connected {} failed {}; input-to-broadcast ms p50 {:.2f} p99 {:.2f} ({} probes); {:.0f} B/client/s; {:.1f} bits/update; "
      "checks {} mismatches {} unavailable {}; decode errors {} view errors {}\n",
      r.connected, r.failed, ms(h.percentile_us(0.5)), ms(h.percentile_us(0.99)), h.count(),
      per(static_cast<double>(s.frame_bytes), r.window_s * r.connected),
      per(static_cast<double>(s.update_bytes) * 8, static_cast<double>(s.updates)), s.comparisons, s.mismatches, s.unavailable,
      s.decode_errors, s.view_errors);
  for (const auto& f : s.first_failures) out += "  " + f + "\n";
  for (const auto& e : r.truth_errors) out += "  truth: " + e + "\n";
  return out;
}

}  // namespace metronome::load
