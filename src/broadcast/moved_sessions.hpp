// Where the sessions that left this region went (session migration,
// docs/protocol.md "Migration"): a join for one of them is answered with
// `error` session_moved naming the region and its WebSocket URL, instead of
// being served here. Shared by the hubs of every I/O thread, under one
// mutex; bounded: the oldest entries go first (a client that comes back
// after that is served here, from the shared store, as any region may).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace metronome::broadcast {

struct destination {
  std::string region;
  std::string ws_url;  ///< "" when the region's URL is not known here.
};

class moved_sessions {
 public:
  explicit moved_sessions(std::size_t capacity = 4096) : capacity_(capacity) {}

  /// Session `id` now lives in `to` (a later move replaces an earlier one).
  void record(const std::string& id, destination to);
  std::optional<destination> find(const std::string& id) const;
  /// The session moved back here: serve it again.
  void forget(const std::string& id);
  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, destination> by_id_;
  std::deque<std::string> order_;  ///< Insertion order, for eviction; may hold ids already forgotten.
};

}  // namespace metronome::broadcast
