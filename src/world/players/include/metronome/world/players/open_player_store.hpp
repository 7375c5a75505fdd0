// Which player store a "players database" argument names, in one place for
// every program (--players-db):
//   postgresql://... or postgres://...   a libpq URI: pg_player_store
//   anything else                        a SQLite file path: sqlite_player_store
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "metronome/world/players/player_store.hpp"

namespace metronome::world::players {

bool names_postgresql(std::string_view where) noexcept;

/// Opens (and migrates) the store `where` names, with default options.
result<std::unique_ptr<player_store>> open_player_store(const std::string& where);

}  // namespace metronome::world::players
