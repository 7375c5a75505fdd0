#include "metronome/broadcast/latency.hpp"

#include <algorithm>
#include <cmath>

namespace metronome::broadcast {

latency_window::latency_window(std::size_t capacity, const std::vector<double>& samples) : latency_window(capacity) {
  for (const double s : samples) add(s);
}

void latency_window::add(double rtt_ms) {
  if (samples_.size() < capacity_) {
    if (samples_.empty()) samples_.reserve(capacity_);
    samples_.push_back(rtt_ms);
    return;
  }
  samples_[next_] = rtt_ms;
  next_ = (next_ + 1) % capacity_;
}

std::vector<double> latency_window::samples() const {
  std::vector<double> out(samples_.begin() + static_cast<std::ptrdiff_t>(next_), samples_.end());
  out.insert(out.end(), samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(next_));
  return out;
}

double latency_window::mean_ms() const noexcept {
  if (samples_.empty()) return 0;
  double sum = 0;
  for (const double s : samples_) sum += s;
  return sum / static_cast<double>(samples_.size());
}

double latency_window::jitter_ms() const noexcept {
  if (samples_.size() < 2) return 0;
  const double m = mean_ms();
  double sq = 0;
  for (const double s : samples_) sq += (s - m) * (s - m);
  return std::sqrt(sq / static_cast<double>(samples_.size()));
}

verdict judge(const latency_window& w, const settings& s) noexcept {
  const double rtt = w.mean_ms(), jitter = w.jitter_ms();
  if (w.full()) {
    if (rtt > s.max_latency_ms) return verdict::kick_latency;
    if (jitter > s.max_jitter_ms) return verdict::kick_jitter;
  }
  if (rtt > s.warning_latency_ms || jitter > s.warning_jitter_ms) return verdict::warning;
  return verdict::ok;
}

std::string_view kick_reason(verdict v) noexcept {
  switch (v) {
    case verdict::kick_latency: return "high_latency";
    case verdict::kick_jitter: return "high_jitter";
    default: return "";
  }
}

bool token_bucket::take(std::int64_t now_ms) noexcept {
  if (last_ms_ >= 0 && now_ms > last_ms_) {
    tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
  }
  last_ms_ = now_ms;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace metronome::broadcast
