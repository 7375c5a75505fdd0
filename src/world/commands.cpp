// Command validation and application: the serial first part of a step.
#include <algorithm>
#include <numeric>

#include "metronome/world/detail/world_state.hpp"

namespace metronome::world::detail {
namespace {

bool emote_ok(const std::string& text, std::uint32_t max_bytes) noexcept {
  if (text.empty() || text.size() > max_bytes) return false;
  return std::none_of(text.begin(), text.end(), [](char ch) {
    const auto b = static_cast<unsigned char>(ch);
    return b < 0x20 || b == 0x7F;
  });
}

/// The first rule the command breaks, or nullopt. Reads state, changes nothing.
std::optional<reject_reason> check(const world_state& w, const command& c) {
  if (c.tick != w.tick) return reject_reason::wrong_tick;
  if (c.player >= w.count || w.kind[c.player] != entity_kind::player) return reject_reason::unknown_player;
  if (c.entity >= w.count) return reject_reason::unknown_entity;
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
    case command_kind::stop: break;
    case command_kind::emote:
      if (!emote_ok(c.text, w.config.max_emote_bytes)) return reject_reason::bad_emote;
      break;
  }
  return std::nullopt;
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
    w.last_sequence[c.player] = c.sequence;
    if (w.accepted_now[c.player]++ == 0) senders.push_back(c.player);
    apply(w, c);
  }
  for (const std::uint32_t p : senders) w.accepted_now[p] = 0;
}

}  // namespace metronome::world::detail
