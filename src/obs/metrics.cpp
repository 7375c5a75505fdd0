#include "metronome/obs/metrics.hpp"

#include <fmt/format.h>

namespace metronome::obs {
namespace {

void append_label_value(std::string& out, const std::string& v) {
  for (const char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

std::string label_text(const labels& l, const std::string& extra_name = {}, const std::string& extra_value = {}) {
  if (l.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : l) {
    if (!first) out.push_back(',');
    first = false;
    out += name + "=\"";
    append_label_value(out, value);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out += extra_name + "=\"" + extra_value + "\"";
  }
  out.push_back('}');
  return out;
}

std::string number(double v) {
  if (v == static_cast<double>(static_cast<std::int64_t>(v))) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

void header(std::string& out, const std::string& name, const std::string& help, std::string_view type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + std::string(type) + "\n";
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void histogram::observe(double v) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {}
  count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s{{}, sum_.load(), 0};
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  return s;
}

family<counter>& registry::add_counter(std::string name, std::string help) {
  counters_.push_back(std::make_unique<family<counter>>(std::move(name), std::move(help)));
  return *counters_.back();
}

family<gauge>& registry::add_gauge(std::string name, std::string help) {
  gauges_.push_back(std::make_unique<family<gauge>>(std::move(name), std::move(help)));
  return *gauges_.back();
}

family<histogram>& registry::add_histogram(std::string name, std::string help, std::vector<double> bounds) {
  histograms_.push_back(std::make_unique<family<histogram>>(std::move(name), std::move(help), std::move(bounds)));
  return *histograms_.back();
}

std::vector<double> registry::latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string registry::render() const {
  std::string out;
  for (const auto& f : counters_) {
    header(out, f->name(), f->help(), "counter");
    f->for_each([&](const labels& l, const counter& c) { out += f->name() + label_text(l) + " " + std::to_string(c.value()) + "\n"; });
  }
  for (const auto& f : gauges_) {
    header(out, f->name(), f->help(), "gauge");
    f->for_each([&](const labels& l, const gauge& g) { out += f->name() + label_text(l) + " " + number(g.value()) + "\n"; });
  }
  for (const auto& f : histograms_) {
    header(out, f->name(), f->help(), "histogram");
    f->for_each([&](const labels& l, const histogram& h) {
      const histogram::snapshot s = h.read();
      for (std::size_t i = 0; i < h.bounds().size(); ++i) {
        out += f->name() + "_bucket" + label_text(l, "le", number(h.bounds()[i])) + " " + std::to_string(s.cumulative[i]) + "\n";
      }
      out += f->name() + "_bucket" + label_text(l, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
      out += f->name() + "_sum" + label_text(l) + " " + number(s.sum) + "\n";
      out += f->name() + "_count" + label_text(l) + " " + std::to_string(s.count) + "\n";
    });
  }
  return out;
}

}  // namespace metronome::obs
