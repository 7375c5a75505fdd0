// src/obs against prometheus-cpp (Debian's prometheus-cpp-dev) on what a hot
// path does: a counter increment and a histogram observation with labels,
// on 1 and 2 threads sharing one metric. Each library is measured two ways:
//   - lookup: the label set is found on every update (obs: family::with(),
//     prometheus-cpp: Family::Add(), which returns the existing child);
//   - bound:  the label set is bound once and the update goes through the
//     handle (obs: family::bind(), prometheus-cpp: the reference Add() gave).
// Run: build/release/bench/metrics_bench (cmake --preset release).
#include <benchmark/benchmark.h>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <memory>

#include "metronome/obs/metrics.hpp"

namespace {

const metronome::obs::labels obs_labels{{"region", "eu"}, {"type", "tick"}};
const prometheus::Labels prom_labels{{"region", "eu"}, {"type", "tick"}};

// One registry per library for the whole run, shared by the threads of a
// benchmark (as a process shares its registry across I/O threads).
struct obs_metrics {
  metronome::obs::registry registry;
  metronome::obs::family<metronome::obs::counter>& counters = registry.add_counter("bench_total", "Benchmark counter.");
  metronome::obs::family<metronome::obs::histogram>& histograms =
      registry.add_histogram("bench_seconds", "Benchmark histogram.", metronome::obs::registry::latency_buckets());
};
obs_metrics& obs() {
  static obs_metrics m;
  return m;
}

struct prom_metrics {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& counters =
      prometheus::BuildCounter().Name("bench_total").Help("Benchmark counter.").Register(*registry);
  prometheus::Family<prometheus::Histogram>& histograms =
      prometheus::BuildHistogram().Name("bench_seconds").Help("Benchmark histogram.").Register(*registry);
};
prom_metrics& prom() {
  static prom_metrics m;
  return m;
}

prometheus::Histogram::BucketBoundaries prom_buckets() {
  const auto b = metronome::obs::registry::latency_buckets();
  return prometheus::Histogram::BucketBoundaries(b.begin(), b.end());
}

/// A value that moves across buckets, so the bucket search is not constant.
double sample(std::size_t i) { return 0.0001 * static_cast<double>(1 + (i % 4096)); }

void obs_counter_lookup(benchmark::State& state) {
  auto& f = obs().counters;
  for (auto _ : state) f.with(obs_labels).inc();
  state.SetItemsProcessed(state.iterations());
}

void obs_counter_bound(benchmark::State& state) {
  const auto c = obs().counters.bind(obs_labels);
  for (auto _ : state) c->inc();
  state.SetItemsProcessed(state.iterations());
}

void prom_counter_lookup(benchmark::State& state) {
  auto& f = prom().counters;
  for (auto _ : state) f.Add(prom_labels).Increment();
  state.SetItemsProcessed(state.iterations());
}

void prom_counter_bound(benchmark::State& state) {
  auto& c = prom().counters.Add(prom_labels);
  for (auto _ : state) c.Increment();
  state.SetItemsProcessed(state.iterations());
}

void obs_histogram_lookup(benchmark::State& state) {
  auto& f = obs().histograms;
  std::size_t i = 0;
  for (auto _ : state) f.with(obs_labels).observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

void obs_histogram_bound(benchmark::State& state) {
  const auto h = obs().histograms.bind(obs_labels);
  std::size_t i = 0;
  for (auto _ : state) h->observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

void prom_histogram_lookup(benchmark::State& state) {
  auto& f = prom().histograms;
  const auto buckets = prom_buckets();
  std::size_t i = 0;
  for (auto _ : state) f.Add(prom_labels, buckets).Observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

void prom_histogram_bound(benchmark::State& state) {
  auto& h = prom().histograms.Add(prom_labels, prom_buckets());
  std::size_t i = 0;
  for (auto _ : state) h.Observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(obs_counter_lookup)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(obs_counter_bound)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(prom_counter_lookup)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(prom_counter_bound)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(obs_histogram_lookup)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(obs_histogram_bound)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(prom_histogram_lookup)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(prom_histogram_bound)->Threads(1)->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
