#include "report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "json_parts.hpp"

namespace metronome::load {
namespace {

/// The estimates' spread, and their error against the truth on one machine:
/// the server reads the system clock and the client pretends to be
/// clock_offset_ms ahead, so the true offset is -clock_offset_ms.
std::string offsets_json(const load_config& cfg, std::vector<std::int64_t> est) {
  if (est.empty()) return "{\"synced_clients\":0}";
  std::sort(est.begin(), est.end());
  const std::int64_t truth = -cfg.clock_offset_ms * 1000;
  std::vector<std::int64_t> err;
  err.reserve(est.size());
  for (auto e : est) err.push_back(e > truth ? e - truth : truth - e);
  std::sort(err.begin(), err.end());
  auto at = [](const std::vector<std::int64_t>& v, double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  return fmt::format(
      "{{\"synced_clients\":{},\"estimate_ms\":{{\"min\":{:.3f},\"p50\":{:.3f},\"max\":{:.3f}}},"
      "\"abs_error_ms\":{{\"p50\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}}}}",
      est.size(), ms(est.front()), ms(at(est, 0.5)), ms(est.back()), ms(at(err, 0.5)), ms(at(err, 0.99)), ms(err.back()));
}

}  // namespace

std::string report_json(const load_config& cfg, const load_result& r) {
  const auto& s = r.stats;
  const auto& h = s.lag;
  return fmt::format(
      "{{\"peer\":\"{}\",\"protocol\":\"{}\",\"url\":\"{}\",\"clients\":{},\"sessions\":{},\"threads\":{},"
      "\"source_addresses\":{},\"pong_delay_ms\":{},\"clock_offset_ms\":{},"
      "\"connected\":{},\"failed\":{},\"closed_early\":{},\"kicked\":{},\"kick_reasons\":{},\"close_codes\":{},\"failures\":{},"
      "\"ramp_s\":{:.3f},\"window_s\":{:.3f},\"messages\":{},\"messages_per_s\":{:.1f},\"frames\":{},"
      "\"lag_samples\":{},\"unsynced_ticks\":{},"
      "\"lag_ms\":{},\"system_clock_lag_ms\":{},\"read_delay_ms\":{},\"client_rtt_ms\":{},\"server_rtt_ms\":{},"
      "\"latency_warnings\":{},\"error_messages\":{},\"pongs_sent\":{},"
      "\"client_cpu_s\":{:.3f},\"client_cpu_pct\":{:.1f},\"client_rss_kib\":{},\"clock_offset\":{}}}\n",
      cfg.peer == peer_kind::plain ? "plain" : "metronome", cfg.protocol == wire_protocol::bin ? "bin" : "json", escaped(cfg.url),
      cfg.clients, cfg.session_ids.size(), cfg.threads, cfg.source_addresses, cfg.pong_delay_ms, cfg.clock_offset_ms, r.connected, r.failed,
      r.closed_early, s.kicked, object_of(s.kick_reasons), object_of(s.close_codes), object_of(s.failures), r.ramp_s, r.window_s,
      s.messages, r.window_s > 0 ? static_cast<double>(s.messages) / r.window_s : 0.0, s.frames, h.count(), s.unsynced_ticks,
      percentiles_json(h), percentiles_json(cfg.peer == peer_kind::plain ? h : s.system_lag), percentiles_json(s.read_delay),
      percentiles_json(s.client_rtt), percentiles_json(s.server_rtt), s.warnings, s.error_messages, s.pongs_sent, r.client_cpu_s,
      r.window_s > 0 ? 100.0 * r.client_cpu_s / r.window_s : 0.0, r.client_rss_kib, offsets_json(cfg, s.offset_estimates_us));
}

std::string report_summary(const load_result& r) {
  const auto& h = r.stats.lag;
  return fmt::format(
      "connected {} failed {} kicked {}; {} messages in {:.1f} s = {:.0f}/s; lag ms p50 {:.2f} p99 {:.2f} p999 {:.2f} max {:.2f}; "
      "client CPU {:.2f} s\n",
      r.connected, r.failed, r.stats.kicked, r.stats.messages, r.window_s,
      r.window_s > 0 ? static_cast<double>(r.stats.messages) / r.window_s : 0.0, ms(h.percentile_us(0.5)), ms(h.percentile_us(0.99)),
      ms(h.percentile_us(0.999)), ms(h.max_us()), r.client_cpu_s);
}

}  // namespace metronome::load
