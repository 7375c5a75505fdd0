#include "lag_histogram.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace metronome::load {

lag_histogram::lag_histogram(config c) : cfg_(c) {
  assert(c.bucket_us > 0 && c.max_us > c.min_us);
  buckets_.assign(static_cast<std::size_t>((c.max_us - c.min_us + c.bucket_us - 1) / c.bucket_us), 0);
}

void lag_histogram::record(std::int64_t lag_us) {
  if (count_ == 0) {
    min_ = max_ = lag_us;
  } else {
    min_ = std::min(min_, lag_us);
    max_ = std::max(max_, lag_us);
  }
  ++count_;
  sum_ += static_cast<long double>(lag_us);
  if (lag_us < cfg_.min_us) {
    ++underflow_;
  } else if (lag_us >= cfg_.min_us + static_cast<std::int64_t>(buckets_.size()) * cfg_.bucket_us) {
    ++overflow_;
  } else {
    ++buckets_[static_cast<std::size_t>((lag_us - cfg_.min_us) / cfg_.bucket_us)];
  }
}

void lag_histogram::merge(const lag_histogram& other) {
  assert(other.buckets_.size() == buckets_.size());
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
}

double lag_histogram::mean_us() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_)); }

std::int64_t lag_histogram::percentile_us(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank <= underflow_) return min_;
  std::uint64_t seen = underflow_;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const std::int64_t upper = cfg_.min_us + static_cast<std::int64_t>(i + 1) * cfg_.bucket_us;
      return std::clamp(upper, min_, max_);
    }
  }
  return max_;
}

}  // namespace metronome::load
