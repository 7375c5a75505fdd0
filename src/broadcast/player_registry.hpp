// Who is connected where, across the hubs of all I/O threads. A player's
// connections may land on different threads (the kernel spreads accepts), so
// "is this a reconnection?" and "which connection does this one replace?"
// are answered here, under one mutex, rather than per hub.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace metronome::broadcast {

class hub;

class player_registry {
 public:
  struct claim_result {
    bool resumed = false;         ///< Reconnected within the grace period, or replacing a live connection.
    std::vector<double> samples;  ///< The player's latency samples so far (kept across a resume).
    hub* previous_hub = nullptr;  ///< Where the player's previous connection was, if any.
    std::uint64_t previous_token = 0;
    bool previous_live = false;   ///< That connection is still open: it must be replaced.
  };

  /// The connection `token` on hub `h` is now the player's.
  claim_result claim(const std::string& session, const std::string& user, hub* h, std::uint64_t token, std::int64_t now_ms,
                     std::int64_t grace_ms);
  /// The connection `token` ended at `now_ms` (if it is still the player's).
  void release(const std::string& session, const std::string& user, std::uint64_t token, std::int64_t now_ms,
               std::vector<double> samples);
  void forget_session(const std::string& session);

 private:
  struct entry {
    hub* h = nullptr;
    std::uint64_t token = 0;
    bool live = false;
    std::int64_t released_at_ms = 0;
    std::vector<double> samples;
  };
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, entry> entries_;
};

}  // namespace metronome::broadcast
