#include "metronome/world/players/open_player_store.hpp"

#include "metronome/world/players/pg_player_store.hpp"
#include "metronome/world/players/sqlite_player_store.hpp"

namespace metronome::world::players {

bool names_postgresql(std::string_view where) noexcept { return where.starts_with("postgresql://") || where.starts_with("postgres://"); }

namespace {
template <class Store>
result<std::unique_ptr<player_store>> upcast(result<std::unique_ptr<Store>> s) {
  if (!s) return std::move(s).error();
  return std::unique_ptr<player_store>(std::move(*s));
}
}  // namespace

result<std::unique_ptr<player_store>> open_player_store(const std::string& where) {
  if (names_postgresql(where)) return upcast(pg_player_store::open({.conninfo = where}));
  return upcast(sqlite_player_store::open(where));
}

}  // namespace metronome::world::players
