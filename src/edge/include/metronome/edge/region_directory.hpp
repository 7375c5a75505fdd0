// What the edge knows about each region: where it is, whether it is healthy
// (fresh heartbeat, passing health probe, closed circuit breaker), its
// measured round-trip time and load. Safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metronome/store/registry_store.hpp"

namespace metronome::edge {

struct breaker_settings {
  int failures_to_open = 3;           ///< Consecutive failures that take a region out of rotation. Default 3.
  std::int64_t cooldown_ms = 10'000;  ///< How long it stays out before one trial request. Default 10 s.
};

struct region_view {
  std::string name, base_url, ws_url, host;
  std::uint16_t port = 0;
  bool is_static = false;   ///< Configured with REGIONS (never expires).
  bool registered = false;  ///< Known from the registry.
  std::int64_t registered_at_ms = 0;
  std::int64_t last_seen_ms = 0;   ///< Latest heartbeat (registered regions).
  bool heartbeat_fresh = true;     ///< Registered: seen within 3 heartbeat intervals.
  bool probe_ok = false;           ///< Latest /healthz probe answered 200.
  double rtt_ms = 0;               ///< Probe round-trip time, smoothed (EWMA 0.3).
  std::string breaker = "closed";  ///< closed, open, half-open.
  std::int64_t inflight = 0;       ///< Requests this edge is proxying to it now.
  std::int64_t proxied_total = 0;
  /// The region's own load as its /healthz reports it (open WebSocket
  /// connections of its tick broadcaster); -1 until a probe tells.
  std::int64_t connections = -1;
  bool healthy = false;  ///< Eligible for new sessions.
};

// Seed 000 extension 4's measured rules, pure (edge_routes.cpp applies them
// in their order; docs/protocol.md "Region selection").

/// The healthy region with the lowest RTT the client measured (`rtt_ms`:
/// region -> ms; regions not in `healthy` are ignored; ties go to the first
/// in `healthy`). nullopt when no measured region is healthy.
std::optional<region_view> lowest_rtt(const std::vector<region_view>& healthy, const std::map<std::string, double>& rtt_ms);

/// The least loaded healthy region when it carries at least `threshold`
/// fewer connections than `chosen` (the region the other rules picked);
/// nullopt when loads are unknown or closer than that.
std::optional<region_view> less_loaded(const region_view& chosen, const std::vector<region_view>& healthy, std::int64_t threshold);

class region_directory {
 public:
  region_directory(breaker_settings breaker, std::int64_t heartbeat_interval_ms)
      : breaker_(breaker), heartbeat_interval_ms_(heartbeat_interval_ms) {}

  /// A configured region (from REGIONS). errc::invalid_argument for a bad URL.
  result<void> add_static(const std::string& name, const std::string& base_url);
  /// Merges registry records (registration or periodic refresh).
  void merge_registered(const std::vector<store::region_record>& records);

  void record_probe(const std::string& name, bool ok, double rtt_ms);
  /// The load a probe's answer reported (-1: it reported none).
  void record_load(const std::string& name, std::int64_t connections);
  /// Request outcomes, for the circuit breaker.
  void record_success(const std::string& name);
  void record_failure(const std::string& name, std::int64_t now_ms);
  /// Counts a request as started; in a half-open breaker it is the trial.
  void begin_request(const std::string& name, std::int64_t now_ms);
  void end_request(const std::string& name);

  std::optional<region_view> find(const std::string& name, std::int64_t now_ms) const;
  std::vector<region_view> all(std::int64_t now_ms) const;
  /// Healthy regions, lowest round-trip time first, optionally without one.
  std::vector<region_view> healthy(std::int64_t now_ms, const std::string& except = "") const;

  /// Told when a region's health changes: up (healthy) or down, with the
  /// first reason it is not healthy ("heartbeat", "probe", "breaker"). Set
  /// once before watch_health runs.
  using health_listener = std::function<void(const region_view& now, bool up, std::string_view reason)>;
  void set_health_listener(health_listener l) { listener_ = std::move(l); }
  /// Compares each probed region's health with what was last announced and
  /// calls the listener (outside the lock) for each change; a region's
  /// first announcement is its first healthy probe. Call after the probes.
  void watch_health(std::int64_t now_ms);

 private:
  struct state {
    region_view v;
    int consecutive_failures = 0;
    std::int64_t open_until_ms = 0;
    bool probed = false;
    bool trial_inflight = false;    ///< Half-open: the one trial request is out.
    std::optional<bool> announced;  ///< Health last given to the listener.
  };
  region_view view_of(const state& s, std::int64_t now_ms) const;

  breaker_settings breaker_;
  std::int64_t heartbeat_interval_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, state> regions_;
  health_listener listener_;
};

}  // namespace metronome::edge
