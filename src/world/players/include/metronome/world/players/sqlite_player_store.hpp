// Player records in a SQLite file (WAL, synchronous=FULL): no set-up. The
// schema is migrated at open (table schema_version); one connection, used by
// one thread at a time (the writer thread writes, a connect handler reads
// through its own store object on the same file).
#pragma once

#include <memory>
#include <string>

#include "metronome/world/players/player_store.hpp"

struct sqlite3;

namespace metronome::world::players {

class sqlite_player_store final : public player_store {
 public:
  /// Opens (creating) `path` and brings its schema to the current version.
  static result<std::unique_ptr<sqlite_player_store>> open(const std::string& path);
  ~sqlite_player_store() override;
  sqlite_player_store(const sqlite_player_store&) = delete;
  sqlite_player_store& operator=(const sqlite_player_store&) = delete;

  result<std::optional<player_record>> get(const std::string& id) override;
  result<void> put(std::span<const player_record> records) override;

 private:
  explicit sqlite_player_store(sqlite3* db) noexcept : db_(db) {}
  sqlite3* db_;
};

}  // namespace metronome::world::players
