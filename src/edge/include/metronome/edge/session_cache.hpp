// The edge's session cache (seed 000): gameId -> what a client needs and
// which region owns it. Bounded LRU with a TTL; safe from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace metronome::edge {

struct cached_session {
  std::string region;     ///< Owning region.
  std::string game_json;  ///< The region's /game/start answer (seed, startAt, tickMs, ...), as JSON text.
};

class session_cache {
 public:
  session_cache(std::size_t capacity, std::int64_t ttl_ms) : capacity_(capacity), ttl_ms_(ttl_ms) {}

  void put(const std::string& id, cached_session value, std::int64_t now_ms);
  /// The entry if present and younger than the TTL (an expired one is dropped).
  std::optional<cached_session> get(const std::string& id, std::int64_t now_ms);
  void erase(const std::string& id);
  std::size_t size() const;

 private:
  struct entry {
    std::string id;
    cached_session value;
    std::int64_t stored_at_ms;
  };
  const std::size_t capacity_;
  const std::int64_t ttl_ms_;
  mutable std::mutex mutex_;
  std::list<entry> lru_;  ///< Most recently used first.
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace metronome::edge
