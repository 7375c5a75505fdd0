#include "clock_sync.hpp"

#include <functional>
#include <utility>

namespace metronome::load {
namespace {

/// At most 8 elements. (std::sort on a std::array this small makes GCC 12
/// warn -Warray-bounds about a branch it cannot rule out.)
template <class T, std::size_t N, class Less>
void insertion_sort(std::array<T, N>& a, std::size_t n, Less less) {
  for (std::size_t i = 1; i < n; ++i) {
    for (std::size_t j = i; j > 0 && less(a[j], a[j - 1]); --j) std::swap(a[j], a[j - 1]);
  }
}

}  // namespace

void clock_offset_estimator::add(std::int64_t t0_us, std::int64_t t1_us, std::int64_t server_ms) {
  if (n_ >= samples_wanted || t1_us < t0_us) return;
  const std::int64_t rtt = t1_us - t0_us;
  const std::int64_t server_us = server_ms * 1000 + 500;  // middle of the truncated millisecond
  samples_[n_++] = sample{rtt, server_us + rtt / 2 - t1_us};
}

std::optional<std::int64_t> clock_offset_estimator::offset_us() const {
  if (n_ == 0) return std::nullopt;
  std::array<sample, samples_wanted> s = samples_;
  insertion_sort(s, n_, [](const sample& a, const sample& b) { return a.rtt_us < b.rtt_us; });
  const std::size_t keep = (n_ + 1) / 2;
  std::array<std::int64_t, samples_wanted> offsets{};
  for (std::size_t i = 0; i < keep; ++i) offsets[i] = s[i].offset_us;
  insertion_sort(offsets, keep, std::less<>{});
  if (keep % 2 == 1) return offsets[keep / 2];
  return (offsets[keep / 2 - 1] + offsets[keep / 2]) / 2;
}

std::int64_t server_step(std::int64_t client_now_us, std::int64_t offset_us, std::int64_t start_at_ms, std::int64_t tick_ms) {
  const std::int64_t since_us = client_now_us + offset_us - start_at_ms * 1000;
  const std::int64_t tick_us = tick_ms * 1000;
  std::int64_t q = since_us / tick_us;
  if (since_us % tick_us != 0 && since_us < 0) --q;  // floor, not truncation
  return q;
}

}  // namespace metronome::load
