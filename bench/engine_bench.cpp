// state_at cost by step: random access must not grow with the step.
//
//   cmake --preset release && cmake --build build/release --target engine_bench
//   build/release/bench/engine_bench
//
// Besides the two rules, seed001_loop is seed 001's stateAt, which simulates
// every step from 0: the cost Metronome's engine avoids.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "metronome/engine/detail/splitmix.hpp"
#include "metronome/engine/state.hpp"

namespace {

using namespace metronome::engine;

constexpr std::int64_t tick_ms = 1;

void run_state_at(benchmark::State& st, const rule& r) {
  const auto step = static_cast<std::int64_t>(st.range(0));
  session_params p{.seed = 987654321, .start_at_ms = 0, .tick_ms = tick_ms, .rule = r};
  std::uint64_t n = 0;
  for (auto _ : st) {
    // Vary the seed so that nothing is hoisted out of the loop or cached.
    p.seed = 987654321 + (n++ & 1023);
    benchmark::DoNotOptimize(state_at(p, step * tick_ms));
  }
}

void bm_rounds(benchmark::State& st) { run_state_at(st, rounds_rule{}); }
void bm_lcg_counter(benchmark::State& st) { run_state_at(st, lcg_counter_rule{}); }

// lcg-counter cost depends on the bit pattern of the step (popcount of its low
// 32 bits, at most 16 blocks either way): report random steps too.
void bm_lcg_counter_random_steps(benchmark::State& st) {
  session_params p{.seed = 987654321, .start_at_ms = 0, .tick_ms = 1, .rule = lcg_counter_rule{}};
  std::uint64_t n = 0;
  for (auto _ : st) {
    const auto step = static_cast<std::int64_t>(metronome::engine::detail::mix64(++n) >> 24);  // up to 2^40
    benchmark::DoNotOptimize(state_at(p, step));
  }
}

// Seed 001's stateAt: the loop from step 0 (computeBreakInterval drawn from
// SplitMix64 like the rounds rule, so the per-step work is comparable).
struct seed001_state {
  std::int64_t step, value, round;
  bool broken;
};

std::int64_t compute_break_interval(std::uint64_t seed, std::int64_t round) {
  return 1 + static_cast<std::int64_t>(detail::scale_to(detail::splitmix64_at(seed, static_cast<std::uint64_t>(round) + 1), 99));
}

seed001_state seed001_state_at(std::uint64_t seed, std::int64_t start_at, std::int64_t tick, std::int64_t now) {
  const std::int64_t step = (now - start_at) / tick;
  std::int64_t value = 0, round = 0, since_break = 0;
  bool broken = false;
  std::int64_t until_break = compute_break_interval(seed, round);
  for (std::int64_t i = 0; i <= step; ++i) {
    broken = false;
    ++since_break;
    if (since_break >= until_break) {
      broken = true;
      ++round;
      value = 0;
      until_break = compute_break_interval(seed, round);
      since_break = 0;
    } else {
      ++value;
    }
  }
  return {step, value, round, broken};
}

void bm_seed001_loop(benchmark::State& st) {
  const auto step = static_cast<std::int64_t>(st.range(0));
  std::uint64_t seed = 1;
  for (auto _ : st) benchmark::DoNotOptimize(seed001_state_at(seed++, 0, 1, step));
}

constexpr std::int64_t p40 = std::int64_t{1} << 40;

}  // namespace

BENCHMARK(bm_rounds)->Arg(10)->Arg(1'000'000)->Arg(1'000'000'000)->Arg(p40);
BENCHMARK(bm_lcg_counter)->Arg(10)->Arg(1'000'000)->Arg(1'000'000'000)->Arg(p40);
BENCHMARK(bm_lcg_counter_random_steps);
BENCHMARK(bm_seed001_loop)->Arg(1'000)->Arg(1'000'000);

BENCHMARK_MAIN();
