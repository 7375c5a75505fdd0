#include "metronome/edge/session_cache.hpp"

namespace metronome::edge {

void session_cache::put(const std::string& id, cached_session value, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(id); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(entry{id, std::move(value), now_ms});
  index_[id] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().id);
    lru_.pop_back();
  }
}

std::optional<cached_session> session_cache::get(const std::string& id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  if (now_ms - it->second->stored_at_ms >= (it->second->value.active ? active_ms_ : ttl_ms_)) {
    lru_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

std::optional<std::string> session_cache::owner(const std::string& id, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(id);
  if (it == index_.end() || now_ms - it->second->stored_at_ms >= ttl_ms_) return std::nullopt;
  return it->second->value.region;
}

void session_cache::erase(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(id); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
}

std::size_t session_cache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace metronome::edge
