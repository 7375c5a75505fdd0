// Player records (seed 003's player data): who a player is and where they
// were, read when a player connects and written behind the simulation.
//
//   player_store         the storage interface: SQLite
//                        (sqlite_player_store.hpp) and PostgreSQL
//                        (pg_player_store.hpp); open_player_store.hpp picks.
//   player_writer        a writer thread in front of a store: submit() never
//                        blocks and never touches the disk (the tick thread
//                        calls it); records are batched, written in one
//                        transaction per batch, retried while the store
//                        fails; the queue is bounded and a full queue refuses
//                        (the caller keeps the record); health() shows an
//                        outage. A record is acknowledged only once written.
//                        A batch the store refuses for what a record holds
//                        (invalid_argument) is written one record at a time
//                        and only the refused records are dropped (counted).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/world/fixed.hpp"

namespace metronome::world::players {

struct player_record {
  std::string id;  ///< The player's stable key (the world's join key).
  std::string display_name;
  vec2 last_position{};           ///< Fixed-point units.
  std::int64_t created_ms = 0;    ///< Unix milliseconds.
  std::int64_t last_seen_ms = 0;  ///< Unix milliseconds.
  std::int64_t play_time_ms = 0;  ///< Total time connected.
  friend bool operator==(const player_record&, const player_record&) = default;
};

class player_store {
 public:
  virtual ~player_store() = default;
  virtual result<std::optional<player_record>> get(const std::string& id) = 0;
  /// Inserts or replaces every record, all or nothing. errc::invalid_argument
  /// means a record holds what this store cannot keep (retrying cannot help);
  /// any other error may pass.
  virtual result<void> put(std::span<const player_record> records) = 0;
};

struct writer_health {
  bool outage = false;  ///< The last write attempt failed.
  std::string last_error;
  std::uint64_t written = 0;   ///< Records acknowledged (written).
  std::uint64_t rejected = 0;  ///< Records the store refused for what they hold (dropped, never acknowledged).
  std::string last_rejection;  ///< The store's reason for the last of them.
  std::uint64_t failed_attempts = 0;
  std::size_t queued = 0;
};

struct writer_options {
  std::size_t capacity = 65536;          ///< Records queued at most; submit() refuses beyond.
  std::size_t batch = 512;               ///< Records per transaction at most.
  std::chrono::milliseconds retry{100};  ///< Wait after a failed write before the next attempt.
};

class player_writer {
 public:
  player_writer(std::shared_ptr<player_store> store, writer_options options);
  player_writer(const player_writer&) = delete;
  player_writer& operator=(const player_writer&) = delete;
  /// Stops after writing what is queued, while the store allows (bounded by retry attempts).
  ~player_writer();

  /// Queues a record; false when the queue is full (nothing queued).
  bool submit(player_record record);
  /// Waits until everything submitted so far is written or rejected, or
  /// `timeout`; true when none is left (health().rejected counts the refused).
  bool wait_written(std::chrono::milliseconds timeout);
  writer_health health() const;

 private:
  void run();

  std::shared_ptr<player_store> store_;
  writer_options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<player_record> queue_;
  std::uint64_t submitted_ = 0;
  writer_health health_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace metronome::world::players
