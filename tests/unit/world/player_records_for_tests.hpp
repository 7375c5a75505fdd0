// The player record the players tests write: `i` picks the player, `version`
// changes what a later write of the same player holds.
#pragma once

#include <cstdint>
#include <string>

#include "metronome/world/players/player_store.hpp"

namespace metronome::world::players::testing {

inline player_record record(int i, std::int64_t version = 0) {
  return {.id = "p" + std::to_string(i),
          .display_name = "Player " + std::to_string(i) + " é",
          .last_position = {i, -i},
          .created_ms = 1000 + i,
          .last_seen_ms = 2000 + i + version,
          .play_time_ms = 30 * i + version};
}

}  // namespace metronome::world::players::testing
