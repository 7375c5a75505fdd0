#include "metronome/edge/region_directory.hpp"

#include <algorithm>

#include "metronome/net/http_client.hpp"

namespace metronome::edge {

result<void> region_directory::add_static(const std::string& name, const std::string& base_url) {
  if (!store::valid_region_name(name)) {
    return make_error(errc::invalid_argument, "region name '" + name + "' must be " + std::string(store::region_name_rule));
  }
  auto hp = net::parse_http_base_url(base_url);
  if (!hp) return hp.error();
  std::lock_guard lock(mutex_);
  state& s = regions_[name];
  s.v.name = name;
  s.v.base_url = base_url;
  s.v.host = hp->first;
  s.v.port = hp->second;
  s.v.is_static = true;
  return {};
}

void region_directory::merge_registered(const std::vector<store::region_record>& records) {
  std::lock_guard lock(mutex_);
  for (const auto& r : records) {
    auto hp = net::parse_http_base_url(r.base_url);
    if (!hp) continue;  // validated at registration; skip anything odd in the store
    state& s = regions_[r.name];
    if (s.v.base_url != r.base_url) {  // moved: not healthy until probed at the new address
      s.probed = false;
      s.v.probe_ok = false;
    }
    s.v.name = r.name;
    s.v.base_url = r.base_url;
    s.v.ws_url = r.ws_url;
    s.v.host = hp->first;
    s.v.port = hp->second;
    s.v.registered = true;
    s.v.registered_at_ms = r.registered_at_ms;
    s.v.last_seen_ms = std::max(s.v.last_seen_ms, r.last_seen_ms);
  }
}

void region_directory::record_probe(const std::string& name, bool ok, double rtt_ms) {
  std::lock_guard lock(mutex_);
  const auto it = regions_.find(name);
  if (it == regions_.end()) return;
  state& s = it->second;
  s.v.probe_ok = ok;
  if (ok) s.v.rtt_ms = s.probed && s.v.rtt_ms > 0 ? 0.7 * s.v.rtt_ms + 0.3 * rtt_ms : rtt_ms;
  s.probed = true;
}

void region_directory::record_load(const std::string& name, std::int64_t connections) {
  std::lock_guard lock(mutex_);
  if (const auto it = regions_.find(name); it != regions_.end()) it->second.v.connections = connections;
}

std::optional<region_view> lowest_rtt(const std::vector<region_view>& healthy, const std::map<std::string, double>& rtt_ms) {
  const region_view* best = nullptr;
  double best_ms = 0;
  for (const auto& v : healthy) {
    const auto it = rtt_ms.find(v.name);
    if (it == rtt_ms.end()) continue;
    if (best == nullptr || it->second < best_ms) {
      best = &v;
      best_ms = it->second;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::optional<region_view> less_loaded(const region_view& chosen, const std::vector<region_view>& healthy, std::int64_t threshold) {
  if (chosen.connections < 0) return std::nullopt;
  const region_view* least = nullptr;
  for (const auto& v : healthy) {
    if (v.connections < 0 || v.name == chosen.name) continue;
    if (least == nullptr || v.connections < least->connections) least = &v;
  }
  if (least == nullptr || chosen.connections - least->connections < threshold) return std::nullopt;
  return *least;
}

void region_directory::record_success(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto it = regions_.find(name); it != regions_.end()) {
    it->second.consecutive_failures = 0;
    it->second.open_until_ms = 0;
    it->second.trial_inflight = false;
  }
}

void region_directory::record_failure(const std::string& name, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = regions_.find(name); it != regions_.end()) {
    state& s = it->second;
    if (++s.consecutive_failures >= breaker_.failures_to_open) s.open_until_ms = now_ms + breaker_.cooldown_ms;
    s.trial_inflight = false;  // a failed trial reopens the breaker
  }
}

void region_directory::begin_request(const std::string& name, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = regions_.find(name); it != regions_.end()) {
    state& s = it->second;
    ++s.v.inflight;
    ++s.v.proxied_total;
    if (s.consecutive_failures >= breaker_.failures_to_open && now_ms >= s.open_until_ms) s.trial_inflight = true;
  }
}

void region_directory::end_request(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto it = regions_.find(name); it != regions_.end()) --it->second.v.inflight;
}

region_view region_directory::view_of(const state& s, std::int64_t now_ms) const {
  region_view v = s.v;
  v.heartbeat_fresh = !v.registered || v.is_static || now_ms - v.last_seen_ms <= 3 * heartbeat_interval_ms_;
  if (s.consecutive_failures >= breaker_.failures_to_open) {
    v.breaker = now_ms < s.open_until_ms ? "open" : "half-open";
  }
  // Half-open: exactly one trial request goes through; its outcome closes or
  // reopens the breaker. Until then the region is not chosen again.
  v.healthy = v.heartbeat_fresh && v.probe_ok && v.breaker != "open" && !(v.breaker == "half-open" && s.trial_inflight);
  return v;
}

std::optional<region_view> region_directory::find(const std::string& name, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  const auto it = regions_.find(name);
  if (it == regions_.end()) return std::nullopt;
  return view_of(it->second, now_ms);
}

std::vector<region_view> region_directory::all(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  std::vector<region_view> out;
  for (const auto& [name, s] : regions_) out.push_back(view_of(s, now_ms));
  return out;
}

void region_directory::watch_health(std::int64_t now_ms) {
  if (!listener_) return;
  struct change {
    region_view v;
    std::string_view reason;
  };
  std::vector<change> changes;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, s] : regions_) {
      if (!s.probed) continue;
      region_view v = view_of(s, now_ms);
      if (s.announced == v.healthy || (!s.announced && !v.healthy)) continue;
      s.announced = v.healthy;
      const std::string_view reason = v.healthy ? "healthy" : !v.heartbeat_fresh ? "heartbeat" : !v.probe_ok ? "probe" : "breaker";
      changes.push_back({std::move(v), reason});
    }
  }
  for (const auto& c : changes) listener_(c.v, c.v.healthy, c.reason);
}

std::vector<region_view> region_directory::healthy(std::int64_t now_ms, const std::string& except) const {
  std::vector<region_view> out;
  for (auto& v : all(now_ms)) {
    if (v.healthy && v.name != except) out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.rtt_ms < b.rtt_ms; });
  return out;
}

}  // namespace metronome::edge
