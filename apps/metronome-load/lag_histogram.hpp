// Fixed-bucket histogram of delivery lag. Memory is fixed at construction
// (no sample is stored); record() is O(1) and allocation-free, so each I/O
// thread keeps its own and they are merged at the end.
#pragma once

#include <cstdint>
#include <vector>

namespace metronome::load {

class lag_histogram {
 public:
  struct config {
    std::int64_t bucket_us = 10;      ///< bucket width (us)
    std::int64_t min_us = -100'000;   ///< lower edge of the first bucket (us); lags below go to an underflow count
    std::int64_t max_us = 5'000'000;  ///< upper edge of the last bucket (us); lags at or above go to an overflow count
  };

  lag_histogram() : lag_histogram(config{}) {}
  explicit lag_histogram(config c);

  void record(std::int64_t lag_us);
  /// Adds other's counts; both must have been built with the same config.
  void merge(const lag_histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min_us() const { return min_; }  ///< exact; 0 when empty
  std::int64_t max_us() const { return max_; }  ///< exact; 0 when empty
  double mean_us() const;
  /// The q-quantile (0 < q <= 1): the upper edge of the bucket holding the
  /// ceil(q * count)-th smallest sample, clamped to [min, max], so it is at
  /// most one bucket width above the true value. Underflow answers min,
  /// overflow max. 0 when empty.
  std::int64_t percentile_us(double q) const;

 private:
  config cfg_;
  std::vector<std::uint64_t> buckets_;
  std::uint64_t underflow_ = 0;
  std::uint64_t overflow_ = 0;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace metronome::load
