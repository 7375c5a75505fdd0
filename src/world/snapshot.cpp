// The snapshot codec: world_state <-> bytes (format in snapshot.hpp).
#include "metronome/world/snapshot.hpp"

#include <algorithm>
#include <stdexcept>

#include "metronome/world/detail/byte_codec.hpp"
#include "metronome/world/detail/snapshot_codec.hpp"

namespace metronome::world {
namespace detail {
namespace {

constexpr std::string_view magic{"MTWORLD\0", 8};
// alive, kind, owner, pos, vel, target, speed, mode, moved, last sequence, key length.
constexpr std::size_t entity_bytes = 1 + 1 + 4 + 8 + 8 + 8 + 4 + 1 + 1 + 8 + 4;

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("snapshot: " + what); }

void put_config(writer& o, const world_config& c) {
  o.put(c.seed);
  o.put(c.half_size);
  o.put(c.cell_size);
  o.put(c.aoi_radius);
  o.put(c.aoi_margin);
  o.put(c.aoi_skin);
  o.put(c.max_speed);
  o.put(c.npc_turn_ticks);
  o.put(c.entity_radius);
  o.put(c.max_commands_per_tick);
  o.put(c.max_emote_bytes);
  o.put(c.shards);
  o.put(static_cast<std::uint32_t>(c.obstacles.size()));
  for (const aabb& b : c.obstacles) {
    o.put(b.min);
    o.put(b.max);
  }
}

world_config get_config(reader& in) {
  world_config c;
  c.seed = in.get<std::uint64_t>("config");
  c.half_size = in.get<std::int32_t>("config");
  c.cell_size = in.get<std::int32_t>("config");
  c.aoi_radius = in.get<std::int32_t>("config");
  c.aoi_margin = in.get<std::int32_t>("config");
  c.aoi_skin = in.get<std::int32_t>("config");
  c.max_speed = in.get<std::int32_t>("config");
  c.npc_turn_ticks = in.get<std::int32_t>("config");
  c.entity_radius = in.get<std::int32_t>("config");
  c.max_commands_per_tick = in.get<std::uint32_t>("config");
  c.max_emote_bytes = in.get<std::uint32_t>("config");
  c.shards = in.get<std::uint32_t>("config");
  const std::uint32_t obstacles = in.get_count(16, "obstacle");
  if (obstacles > max_obstacles) fail("more than " + std::to_string(max_obstacles) + " obstacles");
  c.obstacles.resize(obstacles);
  for (aabb& b : c.obstacles) {
    b.min = in.get_vec("obstacle");
    b.max = in.get_vec("obstacle");
  }
  return c;
}

bool within(vec2 v, std::int64_t lim) noexcept { return abs32(v.x) <= lim && abs32(v.y) <= lim; }

std::vector<std::uint32_t> get_sorted_ids(reader& in, std::uint32_t count, const char* what) {
  std::vector<std::uint32_t> ids(in.get_count(4, what));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = in.get<std::uint32_t>(what);
    if (ids[i] >= count || (i > 0 && ids[i] <= ids[i - 1])) fail(std::string(what) + " list not ascending ids of entities");
  }
  return ids;
}

void get_view(reader& in, world_state& w, std::uint32_t player, std::vector<std::uint8_t>& seen) {
  interest& v = w.views[player];
  const auto built = in.get<std::uint8_t>("view");
  if (built > 1) fail("view flag of player " + std::to_string(player) + " is not 0 or 1");
  v.built = built == 1;
  v.base = in.get<std::int64_t>("view");
  v.limit = in.get<std::uint32_t>("view");
  v.visible = in.get<std::uint32_t>("view");
  if (v.base < 0 || v.base > w.reach || v.limit > w.rules.limit) fail("view clock of player " + std::to_string(player) + " out of range");
  v.entries.resize(in.get_count(4, "view entry"));
  std::uint32_t visible = 0;
  for (std::uint32_t& entry : v.entries) {
    entry = in.get<std::uint32_t>("view entry");
    const std::uint32_t id = entry_id(entry);
    if (id >= w.count || id == player || !w.alive[id] || seen[id] != 0)
      fail("view of player " + std::to_string(player) + " holds a bad or repeated id");
    seen[id] = 1;
    visible += entry_is_visible(entry) ? 1u : 0u;
  }
  for (const std::uint32_t entry : v.entries) seen[entry_id(entry)] = 0;
  if (visible != v.visible)
    fail("view of player " + std::to_string(player) + " counts " + std::to_string(v.visible) + " visible, holds " +
         std::to_string(visible));
  w.entered[player] = get_sorted_ids(in, w.count, "entered");
  w.left[player] = get_sorted_ids(in, w.count, "left");
}

}  // namespace

std::string encode_state(const world_state& w) {
  std::string out;
  out.reserve(64 + std::size_t{w.count} * (entity_bytes + 16));
  writer o(out);
  out.append(magic);
  o.put(snapshot_version);
  put_config(o, w.config);
  o.put(w.count);
  o.put(w.tick);
  o.put(w.reach);
  for (const std::uint64_t r : w.rejected) o.put(r);
  for (std::uint32_t e = 0; e < w.count; ++e) {
    o.put(w.alive[e]);
    o.put(static_cast<std::uint8_t>(w.kind[e]));
    o.put(w.owner[e]);
    o.put(w.pos[e]);
    o.put(w.vel[e]);
    o.put(w.target[e]);
    o.put(w.speed[e]);
    o.put(static_cast<std::uint8_t>(w.mode[e]));
    o.put(w.moved[e]);
    o.put(w.last_sequence[e]);
    o.put(static_cast<std::uint32_t>(w.keys[e].size()));
    out.append(w.keys[e]);
  }
  for (const std::uint32_t p : w.players) {
    const interest& v = w.views[p];
    o.put(static_cast<std::uint8_t>(v.built ? 1 : 0));
    o.put(v.base);
    o.put(v.limit);
    o.put(v.visible);
    o.put_ids(v.entries);
    o.put_ids(w.entered[p]);
    o.put_ids(w.left[p]);
  }
  return out;
}

void decode_state(std::string_view bytes, const std::function<world_state&(world_config, std::uint32_t)>& make) {
  reader in(bytes, "snapshot: ");
  if (in.take(magic.size(), "the magic") != magic) fail("not a world snapshot (bad magic)");
  if (const auto v = in.get<std::uint32_t>("the version"); v != snapshot_version) {
    fail("version " + std::to_string(v) + " is not " + std::to_string(snapshot_version));
  }
  world_config config = get_config(in);
  if (auto error = validate(config)) fail("config: " + *error);
  const std::uint32_t count = in.get_count(entity_bytes, "entity");
  if (count > max_entities) fail("more than " + std::to_string(max_entities) + " entities");
  world_state& w = make(std::move(config), count);
  const world_config& c = w.config;
  w.tick = in.get<std::uint64_t>("the tick");
  w.reach = in.get<std::int64_t>("the reach clock");
  if (w.reach < 0) fail("negative reach clock");
  for (std::uint64_t& r : w.rejected) r = in.get<std::uint64_t>("rejection counters");
  const std::int64_t lim = std::int64_t{c.half_size} - c.entity_radius;
  for (std::uint32_t e = 0; e < count; ++e) {
    w.alive[e] = in.get<std::uint8_t>("entity");
    if (w.alive[e] > 1) fail("entity " + std::to_string(e) + ": alive flag " + std::to_string(w.alive[e]));
    const auto kind = in.get<std::uint8_t>("entity");
    if (kind > 1) fail("entity " + std::to_string(e) + ": kind " + std::to_string(kind));
    w.kind[e] = static_cast<entity_kind>(kind);
    w.owner[e] = in.get<std::uint32_t>("entity");
    w.pos[e] = in.get_vec("entity");
    w.vel[e] = in.get_vec("entity");
    w.target[e] = in.get_vec("entity");
    w.speed[e] = in.get<std::int32_t>("entity");
    const auto mode = in.get<std::uint8_t>("entity");
    w.moved[e] = in.get<std::uint8_t>("entity");
    w.last_sequence[e] = in.get<std::uint64_t>("entity");
    if (mode > 1 || w.moved[e] > 1) fail("entity " + std::to_string(e) + ": motion mode or moved flag out of range");
    w.mode[e] = static_cast<motion>(mode);
    if (!within(w.pos[e], lim) || !within(w.target[e], c.half_size)) fail("entity " + std::to_string(e) + ": outside the world");
    if (!within(w.vel[e], c.max_speed) || w.speed[e] < 0 || w.speed[e] > c.max_speed) {
      fail("entity " + std::to_string(e) + ": speed above max_speed");
    }
    const auto key_bytes = in.get<std::uint32_t>("entity");
    if (key_bytes > max_key_bytes) fail("entity " + std::to_string(e) + ": key longer than " + std::to_string(max_key_bytes) + " bytes");
    w.keys[e] = in.take(key_bytes, "a key");
    if (!w.alive[e] && (!w.keys[e].empty() || w.owner[e] != no_owner)) fail("free id " + std::to_string(e) + " has a key or an owner");
    if (!w.keys[e].empty() && !w.key_index.emplace(w.keys[e], e).second) fail("key of entity " + std::to_string(e) + " repeated");
  }
  // The grid, the players, the free ids and the live count follow from the
  // entities (at a tick boundary nobody is departing or just joined).
  w.players.clear();
  w.free_ids.clear();
  w.live = 0;
  for (std::uint32_t e = 0; e < count; ++e) {
    const std::uint32_t o = w.owner[e];
    if (o != no_owner && (o >= count || !w.alive[o] || w.kind[o] != entity_kind::player)) {
      fail("entity " + std::to_string(e) + ": owner is no live player");
    }
    w.cells.remove(e);
    if (!w.alive[e]) {
      w.free_ids.insert(e);
      continue;
    }
    ++w.live;
    w.cells.insert(e, w.cells.cell_at(w.pos[e]));
    if (w.kind[e] == entity_kind::player) w.players.push_back(e);
  }
  std::vector<std::uint8_t> seen(count, 0);
  for (const std::uint32_t p : w.players) get_view(in, w, p, seen);
  if (in.left() != 0) fail(std::to_string(in.left()) + " bytes after the end");
}

}  // namespace detail

std::string config_bytes(const world_config& config) {
  std::string out;
  detail::writer o(out);
  detail::put_config(o, config);
  return out;
}

}  // namespace metronome::world
