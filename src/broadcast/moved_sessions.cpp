#include "moved_sessions.hpp"

namespace metronome::broadcast {

void moved_sessions::record(const std::string& id, destination to) {
  std::lock_guard lock(mutex_);
  if (by_id_.insert_or_assign(id, std::move(to)).second) order_.push_back(id);
  while (by_id_.size() > capacity_ && !order_.empty()) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
  // Forgotten ids leave stale names in order_: bound it too.
  while (order_.size() > 2 * capacity_ + 1) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<destination> moved_sessions::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void moved_sessions::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  by_id_.erase(id);
}

std::size_t moved_sessions::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

}  // namespace metronome::broadcast
