#include <bit>
#include <utility>

#include "metronome/engine/detail/lcg.hpp"

namespace metronome::engine::detail {
namespace {

constexpr std::uint64_t period = std::uint64_t{1} << 32;

/// a^-1 mod 2^32 by Newton's iteration (each round doubles the correct bits).
constexpr std::uint32_t inverse_mod_2_32(std::uint32_t a) noexcept {
  std::uint32_t x = a;  // correct to 3 bits for odd a
  for (int i = 0; i < 5; ++i) x *= 2u - a * x;
  return x;
}

constexpr std::uint32_t lcg_inverse = inverse_mod_2_32(lcg_multiplier);
static_assert(lcg_multiplier * lcg_inverse == 1u);

/// Blocks up to this size are counted by evaluating every step: cheaper than
/// two floor sums (each about 40 divisions).
constexpr unsigned enumerate_max_log2 = 7;

/// Breaks among LCG inputs x in the aligned block [x0, x0 + 2^k), 0 <= k <= 32.
std::uint64_t count_in_input_block(std::uint32_t q, std::uint32_t x0, unsigned k) noexcept {
  const std::uint64_t len = std::uint64_t{1} << k;
  if (q == 1) return len;
  if (k <= enumerate_max_log2) {
    std::uint64_t n = 0;
    for (std::uint32_t i = 0; i < len; ++i) n += (lcg_multiplier * (x0 + i) + lcg_increment) % q == 0;
    return n;
  }
  // Outputs y = q*j, j in [0, K), come from x_j = a^-1 * (q*j - c) mod 2^32.
  // x_j is in the block iff (A*j + D) mod 2^32 < len, with A = a^-1 * q and
  // D = -(a^-1 * c) - x0; and [v mod m < len] = floor(v/m) - floor((v + m - len)/m) + 1.
  const std::uint64_t k_outputs = (period + q - 1) / q;
  const std::uint32_t a_coef = lcg_inverse * q;
  const std::uint32_t d_coef = 0u - lcg_inverse * lcg_increment - x0;
  return floor_sum(k_outputs, period, a_coef, d_coef) - floor_sum(k_outputs, period, a_coef, d_coef + period - len) + k_outputs;
}

/// Breaks among period-local steps t in the aligned block [t0, t0 + 2^k).
/// XOR with the seed maps it onto an aligned block of inputs.
std::uint64_t count_in_step_block(std::uint32_t seed32, std::uint32_t q, std::uint64_t t0, unsigned k) noexcept {
  const std::uint64_t low_mask = (std::uint64_t{1} << k) - 1;
  const auto x0 = static_cast<std::uint32_t>((t0 ^ seed32) & ~low_mask);
  return count_in_input_block(q, x0, k);
}

/// Breaks among period-local steps t in [0, v), 0 <= v <= 2^32. [0, v) is the
/// union of one aligned block per set bit of v; [v, 2^32) of one per clear bit
/// plus {v}. Counting the smaller side bounds the work at 17 blocks.
std::uint64_t count_prefix(std::uint32_t seed32, std::uint32_t q, std::uint64_t v) noexcept {
  const std::uint64_t whole = count_in_input_block(q, 0, 32);
  if (v == period) return whole;
  const int ones = std::popcount(v);
  if (ones <= 16) {
    std::uint64_t n = 0;
    for (unsigned k = 0; k < 32; ++k) {
      if ((v >> k) & 1u) n += count_in_step_block(seed32, q, (v >> (k + 1)) << (k + 1), k);
    }
    return n;
  }
  std::uint64_t suffix = count_in_step_block(seed32, q, v, 0);
  for (unsigned k = 0; k < 32; ++k) {
    if (((v >> k) & 1u) == 0) suffix += count_in_step_block(seed32, q, ((v >> (k + 1)) << (k + 1)) | (std::uint64_t{1} << k), k);
  }
  return whole - suffix;
}

/// Largest period-local step t < v that breaks, or -1. The blocks of [0, v)
/// are scanned right to left; the first non-empty one is halved down to a step.
std::int64_t last_in_prefix(std::uint32_t seed32, std::uint32_t q, std::uint64_t v) noexcept {
  for (unsigned k = 0; k <= 32; ++k) {
    if (((v >> k) & 1u) == 0) continue;
    std::uint64_t t0 = (v >> (k + 1)) << (k + 1);
    if (count_in_step_block(seed32, q, t0, k) == 0) continue;
    for (unsigned half = k; half > 0; --half) {
      const std::uint64_t right = t0 + (std::uint64_t{1} << (half - 1));
      if (count_in_step_block(seed32, q, right, half - 1) > 0) t0 = right;
    }
    return static_cast<std::int64_t>(t0);
  }
  return -1;
}

/// Steps scanned one by one before the block search: with q = 50 the gap
/// exceeds this with probability (49/50)^256, about 0.6 %.
constexpr std::int64_t linear_scan_steps = 256;

}  // namespace

std::uint64_t floor_sum(std::uint64_t n, std::uint64_t m, std::uint64_t a, std::uint64_t b) noexcept {
  // Invariant: the answer is ans + sum_{i<n} floor((a*i + b)/m). Each round
  // reduces a, b below m and swaps the roles of rows and columns of the
  // lattice-point count, like Euclid's algorithm on (m, a).
  std::uint64_t ans = 0;
  for (;;) {
    if (a >= m) {
      ans += n * (n - 1) / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      ans += n * (b / m);
      b %= m;
    }
    const std::uint64_t y_max = a * n + b;
    if (y_max < m) return ans;
    n = y_max / m;
    b = y_max % m;
    std::swap(m, a);
  }
}

std::int64_t lcg_count_breaks(std::uint64_t seed, std::uint32_t q, std::int64_t step) noexcept {
  const auto steps = static_cast<std::uint64_t>(step + 1);  // [0, step] has step + 1 steps
  const std::uint64_t full_periods = steps >> 32;
  const auto seed32 = static_cast<std::uint32_t>(seed);
  const std::uint64_t n = full_periods * count_prefix(seed32, q, period) + count_prefix(seed32, q, steps & (period - 1));
  return static_cast<std::int64_t>(n);
}

std::int64_t lcg_last_break(std::uint64_t seed, std::uint32_t q, std::int64_t step) noexcept {
  const std::int64_t scan_end = step - linear_scan_steps;
  for (std::int64_t t = step; t > scan_end && t >= 0; --t) {
    if (lcg_breaks(seed, q, t)) return t;
  }
  if (scan_end < 0) return -1;
  // The pattern repeats every 2^32 steps: search this period up to scan_end,
  // then the whole previous period.
  const auto seed32 = static_cast<std::uint32_t>(seed);
  const std::int64_t base = scan_end & ~static_cast<std::int64_t>(period - 1);
  const std::int64_t local = last_in_prefix(seed32, q, static_cast<std::uint64_t>(scan_end - base) + 1);
  if (local >= 0) return base + local;
  if (base == 0) return -1;
  return base - static_cast<std::int64_t>(period) + last_in_prefix(seed32, q, period);
}

}  // namespace metronome::engine::detail
