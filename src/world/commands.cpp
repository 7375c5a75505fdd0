// Command validation and application: the serial first part of a step.
#include <algorithm>
#include <numeric>

#include "metronome/world/detail/world_state.hpp"

namespace metronome::world::detail {
namespace {

/// Emote texts and join keys: 1..max_bytes bytes, no control characters.
bool printable(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.empty() || text.size() > max_bytes) return false;
  return std::none_of(text.begin(), text.end(), [](char ch) {
    const auto b = static_cast<unsigned char>(ch);
    return b < 0x20 || b == 0x7F;
  });
}

/// The first rule a join or leave breaks, or nullopt (docs/world.md, "Join and leave").
std::optional<reject_reason> check_system(const world_state& w, const command& c) {
  if (c.player != system_sender) return reject_reason::not_system;
  if (c.kind == command_kind::leave) {
    const bool live_player = c.entity < w.count && w.alive[c.entity] && w.kind[c.entity] == entity_kind::player;
    if (!live_player) return reject_reason::unknown_entity;
    return std::nullopt;
  }
  if (!valid_key(c.text)) return reject_reason::bad_key;
  if (w.key_index.contains(c.text)) return reject_reason::duplicate_key;
  const std::int32_t lim = w.config.half_size - w.config.entity_radius;
  if (abs32(c.a) > lim || abs32(c.b) > lim) return reject_reason::outside_world;
  if (w.free_ids.empty() && w.count >= max_entities) return reject_reason::world_full;
  return std::nullopt;
}

/// The first rule the command breaks, or nullopt. Reads state, changes nothing.
std::optional<reject_reason> check(const world_state& w, const command& c) {
  if (c.tick != w.tick) return reject_reason::wrong_tick;
  if (c.kind == command_kind::join || c.kind == command_kind::leave) return check_system(w, c);
  if (c.player >= w.count || !w.alive[c.player] || w.kind[c.player] != entity_kind::player) return reject_reason::unknown_player;
  if (c.entity >= w.count || !w.alive[c.entity]) return reject_reason::unknown_entity;
  if (c.player >= w.count || w.kind[c.player] != entity_kind::player) return reject_reason::unknown_player;
  if (w.owner[c.entity] != c.player) return reject_reason::not_owner;
  if (c.sequence <= w.last_sequence[c.player]) return reject_reason::stale_sequence;
  if (w.accepted_now[c.player] >= w.config.max_commands_per_tick) return reject_reason::too_many;
  const std::int64_t max = w.config.max_speed;
  switch (c.kind) {
    case command_kind::set_velocity:
      if (std::int64_t{c.a} * c.a + std::int64_t{c.b} * c.b > max * max) return reject_reason::too_fast;
      break;
    case command_kind::move_to:
      if (c.c < 1 || c.c > max) return reject_reason::too_fast;
      if (abs32(c.a) > w.config.half_size || abs32(c.b) > w.config.half_size) return reject_reason::outside_world;
      break;
    case command_kind::stop:
    case command_kind::join:  // join and leave: checked by check_system
    case command_kind::leave: break;
    case command_kind::emote:
      if (!printable(c.text, w.config.max_emote_bytes)) return reject_reason::bad_emote;
      break;
  }
  return std::nullopt;
}

/// Spawns a player entity at rest at (a, b) named by the key; its view is
/// built in this tick's see phase, and players near it are told in theirs.
void join(world_state& w, const command& c) {
  std::uint32_t e = w.count;
  if (!w.free_ids.empty()) {
    e = *w.free_ids.begin();
    w.free_ids.erase(w.free_ids.begin());
  } else {
    w.grow(w.count + 1);
  }
  w.alive[e] = 1;
  w.kind[e] = entity_kind::player;
  w.owner[e] = e;
  w.pos[e] = w.tentative[e] = {c.a, c.b};
  w.vel[e] = w.target[e] = w.push[e] = {};
  w.speed[e] = 0;
  w.mode[e] = motion::velocity;
  w.moved[e] = 0;
  w.last_sequence[e] = 0;
  w.accepted_now[e] = 0;
  w.keys[e] = c.text;
  w.key_index.emplace(c.text, e);
  w.views[e] = interest{};
  w.entered[e].clear();
  w.left[e].clear();
  w.cells.insert(e, w.cells.cell_at(w.pos[e]));
  w.players.insert(std::lower_bound(w.players.begin(), w.players.end(), e), e);
  ++w.live;
  w.joined_now.push_back(e);
  w.report.joined.push_back({c.sequence, c.text, e});
}

/// Removes the entity: out of the grid and the player list now; out of every
/// view in this tick's see phase (a `left` event); its id freed at the end of the tick.
void leave(world_state& w, std::uint32_t e) {
  w.cells.remove(e);
  w.alive[e] = 0;
  w.departing[e] = 1;
  w.owner[e] = no_owner;
  w.vel[e] = w.target[e] = {};
  w.speed[e] = 0;
  w.mode[e] = motion::velocity;
  w.moved[e] = 0;
  w.key_index.erase(w.keys[e]);
  w.keys[e].clear();
  w.views[e] = interest{};
  w.entered[e].clear();
  w.left[e].clear();
  w.players.erase(std::lower_bound(w.players.begin(), w.players.end(), e));
  --w.live;
  w.departed_now.push_back(e);
  w.report.departed.push_back(e);
}

void apply(world_state& w, const command& c) {
  const std::uint32_t e = c.entity;
  switch (c.kind) {
    case command_kind::set_velocity:
      w.mode[e] = motion::velocity;
      w.vel[e] = {c.a, c.b};
      w.target[e] = {};
      w.speed[e] = 0;
      break;
    case command_kind::move_to:
      w.mode[e] = motion::move_to;
      w.target[e] = {c.a, c.b};
      w.speed[e] = c.c;
      break;
    case command_kind::stop:
      w.mode[e] = motion::velocity;
      w.vel[e] = {};
      w.target[e] = {};
      w.speed[e] = 0;
      break;
    case command_kind::emote: w.report.emotes.push_back({e, c.text}); break;
    case command_kind::join: join(w, c); break;
    case command_kind::leave: leave(w, e); break;
  }
}

}  // namespace

void apply_commands(world_state& w, std::span<const command> commands) {
  if (commands.empty()) return;
  std::vector<std::uint32_t> order(commands.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t l, std::uint32_t r) { return command_before(commands[l], commands[r]); });
  std::vector<std::uint32_t> senders;
  for (const std::uint32_t i : order) {
    const command& c = commands[i];
    if (const auto reason = check(w, c)) {
      w.report.rejections.push_back({c.player, c.sequence, *reason});
      ++w.rejected[static_cast<std::size_t>(*reason)];
      continue;
    }
    if (c.player != system_sender) {  // system commands have no sequence rule and no per-tick cap
      w.last_sequence[c.player] = c.sequence;
      if (w.accepted_now[c.player]++ == 0) senders.push_back(c.player);
    }
    apply(w, c);
  }
  // A player that left this tick keeps its slot until the end of the tick: resetting is safe.
  for (const std::uint32_t p : senders) w.accepted_now[p] = 0;
}

}  // namespace metronome::world::detail

namespace metronome::world {
bool valid_key(std::string_view text) noexcept { return detail::printable(text, max_key_bytes); }
}  // namespace metronome::world
