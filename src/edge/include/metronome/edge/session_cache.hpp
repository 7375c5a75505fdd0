// The edge's session cache (seed 000): gameId -> what a client needs and
// which region owns it. Bounded LRU with a TTL; safe from any thread.
//
// A session's end can happen anywhere (this edge, a region, another edge),
// so an entry that says "active" is served only while younger than the
// active bound (SESSION_CACHE_ACTIVE_MS, default 1 s): after that the caller
// reads the store again. That bounds how long a stopped session can still be
// answered as active. An ended session never runs again, so its entry lives
// the whole TTL.
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
  bool active = false;    ///< The session was running when this was stored.
};

class session_cache {
 public:
  /// `active_ms`: how long an active entry is served (at most ttl_ms).
  session_cache(std::size_t capacity, std::int64_t ttl_ms, std::int64_t active_ms)
      : capacity_(capacity), ttl_ms_(ttl_ms), active_ms_(active_ms < ttl_ms ? active_ms : ttl_ms) {}

  void put(const std::string& id, cached_session value, std::int64_t now_ms);
  /// The entry if present and younger than the TTL, or than the active
  /// bound for an active entry (an expired one is dropped).
  std::optional<cached_session> get(const std::string& id, std::int64_t now_ms);
  /// The owning region, for routing (exit, replay): a session's owner never
  /// changes, so an active entry past the active bound still answers, until
  /// the TTL. Does not drop or reorder entries.
  std::optional<std::string> owner(const std::string& id, std::int64_t now_ms) const;
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
  const std::int64_t active_ms_;
  mutable std::mutex mutex_;
  std::list<entry> lru_;  ///< Most recently used first.
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace metronome::edge
