// One tracked entity of a player's view, packed in 32 bits so that scanning a
// view reads one small contiguous array:
//   bits 0..8   when to re-check it, in quanta of the reach clock since the
//               view's last rebuild (interest.hpp)
//   bit  9      visible
//   bits 10..31 the entity id (max_entities < 2^22)
#pragma once

#include <cstdint>

namespace metronome::world::detail {

inline constexpr std::uint32_t entry_due_mask = 0x1FFu;
inline constexpr std::uint32_t entry_visible = 1u << 9;
inline constexpr unsigned entry_id_shift = 10;
inline constexpr std::uint32_t max_due_quanta = entry_due_mask;

constexpr std::uint32_t entry_id(std::uint32_t entry) noexcept { return entry >> entry_id_shift; }
constexpr bool entry_is_visible(std::uint32_t entry) noexcept { return (entry & entry_visible) != 0; }
constexpr std::uint32_t make_entry(std::uint32_t id, bool visible, std::uint32_t due) noexcept {
  return (id << entry_id_shift) | (visible ? entry_visible : 0u) | due;
}

}  // namespace metronome::world::detail
