// Prometheus metrics: counters, gauges and histograms with label sets,
// rendered in the text exposition format (version 0.0.4) for GET /metrics.
//
// Registration happens at start-up. An update is one relaxed atomic operation
// (a compare-and-swap loop for a gauge's add and a histogram's sum) and takes
// no lock. Finding the metric for a label set does: family::with() locks the
// family's mutex and searches its map on every call. So hot paths bind each
// label set once (family::bind() -> handle) and update through the handle;
// with() is for label values known only at run time, off the hot path.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace metronome::obs {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {}
  }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;
  struct snapshot {
    std::vector<std::uint64_t> cumulative;  ///< Per bound, then +Inf.
    double sum;
    std::uint64_t count;
  };
  snapshot read() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< Non-cumulative, last is +Inf.
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

/// A label set bound to its metric once: updates through it cost no lock and
/// no lookup. Copyable; valid as long as the registry that made it.
template <class M>
class handle {
 public:
  explicit handle(M& m) noexcept : m_(&m) {}
  M& operator*() const noexcept { return *m_; }
  M* operator->() const noexcept { return m_; }

 private:
  M* m_;
};

/// A metric name with HELP text and any number of label combinations.
template <class M>
class family {
 public:
  family(std::string name, std::string help, std::vector<double> bounds = {})
      : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(bounds)) {}

  /// The metric for these labels, bound once (created on first use).
  handle<M> bind(const labels& l) { return handle<M>(with(l)); }

  /// The metric for these labels (created on first use), found under the
  /// family's lock on every call. The reference stays valid.
  M& with(const labels& l) {
    std::lock_guard lock(mutex_);
    auto it = children_.find(l);
    if (it == children_.end()) it = children_.emplace(l, make()).first;
    return *it->second;
  }

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  template <class Fn>
  void for_each(Fn&& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [l, m] : children_) fn(l, *m);
  }

 private:
  std::unique_ptr<M> make() {
    if constexpr (std::is_same_v<M, histogram>) {
      return std::make_unique<histogram>(bounds_);
    } else {
      return std::make_unique<M>();
    }
  }
  std::string name_, help_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<labels, std::unique_ptr<M>> children_;
};

/// Owns families and renders them all.
class registry {
 public:
  family<counter>& add_counter(std::string name, std::string help);
  family<gauge>& add_gauge(std::string name, std::string help);
  family<histogram>& add_histogram(std::string name, std::string help, std::vector<double> bounds);

  /// The text exposition format.
  std::string render() const;

  /// Latency buckets in seconds from 100 us to 10 s.
  static std::vector<double> latency_buckets();

 private:
  std::vector<std::unique_ptr<family<counter>>> counters_;
  std::vector<std::unique_ptr<family<gauge>>> gauges_;
  std::vector<std::unique_ptr<family<histogram>>> histograms_;
};

}  // namespace metronome::obs
