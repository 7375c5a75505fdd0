// Who is connected where, across the hubs of all I/O threads. A player's
// connections may land on different threads (the kernel spreads accepts), so
// "is this a reconnection?", "which connection does this one replace?" and
// "may this player come back yet?" are answered here, under one mutex,
// rather than per hub. The rules (docs/protocol.md "Reconnection"):
// - a connection that dropped may resume within the grace period, keeping
//   its latency samples;
// - after an explicit leave the next join is a new player (no resume);
// - after a kick for latency or silence, joins are refused for the cool-down,
//   then the next join is a new player.
// Time is passed in; no clock, no I/O. A join costs O(log n) under the
// mutex: stale entries are found in release order (two FIFOs: one for drops
// and leaves, ended after the grace period, one for kicks, ended after their
// cool-down), never by a scan of every entry.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace metronome::broadcast {

class hub;

/// How a player's connection ended.
enum class release_reason { dropped, left, kicked };

class player_registry {
 public:
  struct claim_result {
    bool resumed = false;         ///< Reconnected within the grace period, or replacing a live connection.
    std::vector<double> samples;  ///< The player's latency samples so far (kept across a resume).
    hub* previous_hub = nullptr;  ///< Where the player's previous connection was, if any.
    std::uint64_t previous_token = 0;
    bool previous_live = false;  ///< That connection is still open: it must be replaced.
    /// Nonzero: the player was kicked and may not join for this many more
    /// ms. Nothing was claimed.
    std::int64_t cooldown_left_ms = 0;
  };

  /// The connection `token` on hub `h` is now the player's, unless the
  /// player is cooling down after a kick.
  claim_result claim(const std::string& session, const std::string& user, hub* h, std::uint64_t token, std::int64_t now_ms,
                     std::int64_t grace_ms);
  /// The connection `token` ended at `now_ms` (if it is still the player's).
  /// `cooldown_ms` applies to release_reason::kicked.
  void release(const std::string& session, const std::string& user, std::uint64_t token, std::int64_t now_ms, std::vector<double> samples,
               release_reason why = release_reason::dropped, std::int64_t cooldown_ms = 0);
  void forget_session(const std::string& session);
  /// Entries held (tests: stale ones must go).
  std::size_t size();

 private:
  struct entry {
    hub* h = nullptr;
    std::uint64_t token = 0;
    bool live = false;
    bool resumable = false;  ///< Released by a drop (not a leave or a kick).
    std::int64_t released_at_ms = 0;
    std::int64_t refused_until_ms = 0;  ///< Kicked: joins refused before this.
    std::vector<double> samples;
  };
  using key = std::pair<std::string, std::string>;  ///< (session, user)
  struct released {
    key k;
    std::uint64_t token = 0;  ///< The connection released; a later claim makes this stale.
  };
  /// Erases, from the front of each FIFO, the entries that can neither be
  /// resumed nor still refuse joins; stops at the first that is not stale.
  void prune(std::int64_t now_ms, std::int64_t grace_ms);

  std::mutex mutex_;
  std::map<key, entry> entries_;
  std::deque<released> dropped_, kicked_;  ///< in release order
};

}  // namespace metronome::broadcast
