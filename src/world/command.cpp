#include "metronome/world/command.hpp"

#include <tuple>

namespace metronome::world {

bool command_before(const command& l, const command& r) noexcept {
  return std::tie(l.tick, l.player, l.sequence, l.entity, l.kind, l.a, l.b, l.c, l.text) <
         std::tie(r.tick, r.player, r.sequence, r.entity, r.kind, r.a, r.b, r.c, r.text);
}

std::string_view reason_name(reject_reason r) noexcept {
  switch (r) {
    case reject_reason::wrong_tick: return "wrong_tick";
    case reject_reason::unknown_player: return "unknown_player";
    case reject_reason::unknown_entity: return "unknown_entity";
    case reject_reason::not_owner: return "not_owner";
    case reject_reason::stale_sequence: return "stale_sequence";
    case reject_reason::too_many: return "too_many";
    case reject_reason::too_fast: return "too_fast";
    case reject_reason::outside_world: return "outside_world";
    case reject_reason::bad_emote: return "bad_emote";
    case reject_reason::not_system: return "not_system";
    case reject_reason::bad_key: return "bad_key";
    case reject_reason::duplicate_key: return "duplicate_key";
    case reject_reason::world_full: return "world_full";
  }
  return "unknown";
}

}  // namespace metronome::world
