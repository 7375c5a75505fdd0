// The step: serial command application, then four parallel phases per shard.
//
//   phase 1 (move)    reads pos/vel/grid, writes tentative/vel/mode of held
//                     entities; lists held entities and ghosts (entities in
//                     the columns bordering the strip).
//   phase 2 (settle)  reads tentative of held and ghosts; writes pos/moved of
//                     held entities, its own grid cells, its outboxes.
//   phase 3 (receive) reads outboxes addressed to it, inserts into its cells.
//   serial            advances the reach clock.
//   phase 4 (see)     reads pos and every grid cell; writes the views and
//                     events of the players it holds.
#include <algorithm>
#include <stdexcept>
#include <utility>

#include "metronome/engine/detail/splitmix.hpp"
#include "metronome/world/detail/shard_output.hpp"
#include "metronome/world/detail/snapshot_codec.hpp"
#include "metronome/world/detail/world_state.hpp"

namespace metronome::world {
namespace detail {
namespace {

void move_phase(world_state& w, shard_state& s) {
  const world_config& c = w.config;
  s.held.clear();
  s.ghosts.clear();
  // Held entities in id order, so that every component array below is read
  // front to back; ghosts are those in the columns on either side of the strip.
  const std::uint32_t first = s.first_column, end = s.end_column;
  const bool contacts = c.entity_radius > 0;
  for (std::uint32_t e = 0; e < w.count; ++e) {
    if (!w.alive[e]) continue;
    const std::uint32_t col = w.cells.column_of_cell(w.cells.cell_of(e));
    if (col >= first && col < end) {
      s.held.push_back(e);
    } else if (contacts && (col + 1 == first || col == end)) {
      s.ghosts.push_back(e);
    }
  }
  const std::int32_t lim = c.half_size - c.entity_radius;
  for (const std::uint32_t e : s.held) {
    const vec2 p = w.pos[e];
    vec2 v = w.vel[e];
    if (w.mode[e] == motion::move_to) {
      const vec2 to = w.target[e];
      const std::int64_t d = isqrt(distance2(p, to));
      if (d <= w.speed[e]) {
        w.tentative[e] = to;
        w.vel[e] = {};
        w.mode[e] = motion::velocity;
        w.target[e] = {};
        w.speed[e] = 0;
        continue;
      }
      v = {static_cast<std::int32_t>((std::int64_t{to.x} - p.x) * w.speed[e] / d),
           static_cast<std::int32_t>((std::int64_t{to.y} - p.y) * w.speed[e] / d)};
      w.vel[e] = v;
    } else if (w.kind[e] == entity_kind::npc && (w.tick + e) % static_cast<std::uint64_t>(c.npc_turn_ticks) == 0) {
      v = random_velocity(c.seed, e, w.tick, c.max_speed);
      w.vel[e] = v;
    }
    vec2 t{p.x + v.x, p.y + v.y};
    // Walls: stop at the edge; a wandering entity bounces back.
    if (t.x > lim || t.x < -lim) {
      t.x = std::clamp(t.x, -lim, lim);
      if (w.mode[e] == motion::velocity) w.vel[e].x = -w.vel[e].x;
    }
    if (t.y > lim || t.y < -lim) {
      t.y = std::clamp(t.y, -lim, lim);
      if (w.mode[e] == motion::velocity) w.vel[e].y = -w.vel[e].y;
    }
    w.tentative[e] = t;
  }
}

/// Commits the settled position f of entity e, which shard `self` (state s)
/// holds: its moved flag and position, and its cell, or a hand-over through
/// the outbox of the shard whose strip it entered.
inline void commit(world_state& w, shard_state& s, std::uint32_t self, std::uint32_t e, vec2 f) {
  const vec2 p = w.pos[e];
  const bool moved = f != p;
  w.moved[e] = moved ? 1 : 0;
  if (!moved) return;
  ++s.moved;
  s.max_step2 = std::max(s.max_step2, distance2(f, p));
  w.pos[e] = f;
  const std::uint32_t cell = w.cells.cell_at(f);
  if (cell == w.cells.cell_of(e)) return;
  const std::uint32_t to = w.column_shard[w.cells.column_of_cell(cell)];
  if (to == self) {
    w.cells.move(e, cell);
  } else {
    w.cells.remove(e);
    s.outbox[to].push_back(e);
    ++s.handovers;
  }
}

void settle_phase(world_state& w, shard_state& s, std::uint32_t self) {
  const world_config& c = w.config;
  const std::int32_t lim = c.half_size - c.entity_radius;
  if (c.entity_radius > 0) {
    s.index_ids.assign(s.held.begin(), s.held.end());
    s.index_ids.insert(s.index_ids.end(), s.ghosts.begin(), s.ghosts.end());
    s.contacts.build(s.index_ids, s.held.size(), w.tentative, 2 * c.entity_radius, c.half_size);
    s.contacts.for_each_own([&w](std::uint32_t e, vec2 push) { w.push[e] = push; });
  }
  for (auto& out : s.outbox) out.clear();
  s.max_step2 = 0;
  s.moved = 0;
  s.handovers = 0;
  for (const std::uint32_t e : s.held) {
    vec2 f = w.tentative[e];
    if (c.entity_radius > 0) {
      const vec2 push = w.push[e];
      f = {f.x + push.x, f.y + push.y};
      if (!c.obstacles.empty()) {
        for (const std::uint16_t o : w.cell_obstacles[w.cells.cell_at(f)]) {
          f = push_out_of(c.obstacles[o], f, c.entity_radius);
        }
      }
    }
    commit(w, s, self, e, {std::clamp(f.x, -lim, lim), std::clamp(f.y, -lim, lim)});
  }
}

void receive_phase(world_state& w, std::uint32_t self) {
  for (shard_state& from : w.shards) {
    for (const std::uint32_t e : from.outbox[self]) w.cells.insert(e, w.cells.cell_at(w.pos[e]));
  }
}

/// Drops the entities removed this tick from a player's candidate list, each
/// visible one as a `left` event. An entry was within `track` of the player
/// when it was added (at the last rebuild or a join since), and no pair's
/// distance has changed since by more than the growth of the reach clock
/// (the departed stood still meanwhile), so only players within
/// track + (g - base) of a departed entity can hold it: the others are skipped.
void drop_departed(world_state& w, interest& view, std::uint32_t self, std::vector<std::uint32_t>& out) {
  const std::int64_t bound = w.rules.track + (w.reach - view.base);
  const vec2 me = w.pos[self];
  const bool near =
      std::any_of(w.departed_now.begin(), w.departed_now.end(), [&](std::uint32_t d) { return distance2(me, w.pos[d]) <= bound * bound; });
  if (!near) return;
  std::size_t kept = 0;
  for (const std::uint32_t entry : view.entries) {
    const std::uint32_t e = entry_id(entry);
    if (!w.departing[e]) {
      view.entries[kept++] = entry;
    } else if (entry_is_visible(entry)) {
      out.push_back(e);
      --view.visible;
    }
  }
  view.entries.resize(kept);
}

/// Adds the entities spawned this tick within `track` of the player to its
/// candidate list, due now: the list then holds every entity that could come
/// within the radius before its next rebuild, as update_interest requires.
void add_joined(const world_state& w, interest& view, std::uint32_t self) {
  const vec2 me = w.pos[self];
  for (const std::uint32_t j : w.joined_now) {
    if (j != self && w.alive[j] && distance2(me, w.pos[j]) <= w.rules.track2) view.entries.push_back(make_entry(j, false, 0));
  }
}

void see_phase(world_state& w, shard_state& s, std::uint32_t self, bool still) {
  // Players in id order: their views and event lists are then read in memory
  // order, and the lists of the player after next are prefetched meanwhile.
  const std::vector<std::uint32_t>& players = w.players;
  constexpr std::size_t ahead = 2;
  for (std::size_t k = 0; k < players.size(); ++k) {
    if (k + ahead < players.size()) {
      const interest& later = w.views[players[k + ahead]];
      const std::uint32_t* data = later.entries.data();
      for (std::size_t line = 0; line < later.entries.size(); line += 16) __builtin_prefetch(data + line);
    }
    const std::uint32_t e = players[k];
    if (w.column_shard[w.cells.column_of_cell(w.cells.cell_of(e))] != self) continue;
    auto& in = w.entered[e];
    auto& out = w.left[e];
    in.clear();
    out.clear();
    if (still && w.views[e].built) continue;  // nothing moved, joined or left: nothing can change
    if (w.views[e].built) {
      if (!w.departed_now.empty()) drop_departed(w, w.views[e], e, out);
      if (!w.joined_now.empty()) add_joined(w, w.views[e], e);
    }
    update_interest(w.views[e], e, w.reach, w.rules, w.cells, w.pos, s.aoi, in, out, s.counters);
    if (in.size() > 1) std::sort(in.begin(), in.end());
    if (out.size() > 1) std::sort(out.begin(), out.end());
  }
}

template <class F>
void run_shards(world_state& w, executor& ex, F phase) {
  struct ctx_t {
    world_state* w;
    F* phase;
  } ctx{&w, &phase};
  ex.run(
      static_cast<std::uint32_t>(w.shards.size()),
      [](void* p, std::uint32_t i) {
        auto* c = static_cast<ctx_t*>(p);
        (*c->phase)(c->w->shards[i], i);
      },
      &ctx);
}

void begin_step(world_state& w, std::span<const command> commands) {
  w.tick += 1;
  w.report = step_report{};
  w.report.tick = w.tick;
  apply_commands(w, commands);
}

/// After receive: the shards' settle figures into the report, the reach clock
/// advanced. Returns whether nothing can have changed in any view ("still").
bool advance_reach(world_state& w) {
  std::int64_t max_step2 = 0;
  for (shard_state& s : w.shards) {
    max_step2 = std::max(max_step2, s.max_step2);
    w.report.moved += s.moved;
    w.report.handovers += s.handovers;
    s.counters = {};
  }
  // isqrt + 1 > the longest step, so no pair's distance changed by more than
  // the growth of the reach clock.
  const std::int64_t max_step = max_step2 == 0 ? 0 : isqrt(max_step2) + 1;
  w.reach += 2 * max_step;
  return max_step == 0 && w.joined_now.empty() && w.departed_now.empty();
}

void end_step(world_state& w) {
  for (const shard_state& s : w.shards) {
    w.report.aoi_checks += s.counters.checks;
    w.report.aoi_rebuilds += s.counters.rebuilds;
    w.report.aoi_candidates += s.counters.candidates;
  }
  // Every view has dropped this tick's departed: their ids may be reused from the next tick.
  for (const std::uint32_t e : w.departed_now) {
    w.departing[e] = 0;
    w.free_ids.insert(e);
  }
  w.departed_now.clear();
  w.joined_now.clear();
}

/// Hands this shard's output of a phase to the exchange and decodes the
/// others' (all of them checked before any is applied).
std::vector<shard_output> gather(const world_state& w, shard_exchange& ex, shard_phase phase, std::uint32_t self, const std::string& mine) {
  const auto theirs = ex.exchange(w.tick, phase, mine);
  if (theirs.size() + 1 != w.shards.size()) throw std::invalid_argument("shard exchange: not one output from every other shard");
  std::vector<shard_output> out;
  std::vector<std::uint8_t> from(w.shards.size(), 0);
  for (const std::string& bytes : theirs) {
    out.push_back(decode_shard_output(w, bytes, phase, w.tick, self));
    if (from[out.back().header.shard]++ != 0) throw std::invalid_argument("shard exchange: two outputs from one shard");
  }
  return out;
}

void apply_move_output(world_state& w, const shard_output& m) {
  for (const moved_entity& e : m.moved) {
    w.tentative[e.id] = e.tentative;
    w.vel[e.id] = e.vel;
    w.mode[e.id] = e.mode;
    w.target[e.id] = e.target;
    w.speed[e.id] = e.speed;
  }
}

/// The other shards' settle outputs applied as their own settle phase would
/// have: moved flags, positions, their cells and outboxes, their figures; and
/// the views handed over to this shard.
void apply_settle_outputs(world_state& w, std::uint32_t self, const std::vector<shard_output>& settles) {
  const shard_state& me = w.shards[self];
  std::size_t mine = 0;
  for (std::uint32_t e = 0; e < w.count; ++e) {  // an entity not listed did not move
    if (mine < me.held.size() && me.held[mine] == e) {
      ++mine;
    } else if (w.alive[e]) {
      w.moved[e] = 0;
    }
  }
  for (const shard_output& m : settles) {
    const std::uint32_t from = m.header.shard;
    shard_state& s = w.shards[from];
    for (auto& out : s.outbox) out.clear();
    s.max_step2 = 0;
    s.moved = 0;
    s.handovers = 0;
    for (const committed_entity& e : m.committed) commit(w, s, from, e.id, e.pos);
    for (const handed_view& v : m.views) {
      if (w.column_shard[w.cells.column_of_cell(w.cells.cell_at(w.pos[v.id]))] == self) w.views[v.id] = v.view;
    }
  }
}

}  // namespace

world_state::world_state(world_config c, population pop)
    : config(std::move(c)),
      count(pop.entities),
      rules(aoi_rules::make(config.aoi_radius, config.aoi_margin, config.aoi_skin)),
      kind(count),
      owner(count),
      pos(count),
      vel(count),
      target(count),
      speed(count),
      mode(count, motion::velocity),
      tentative(count),
      push(count),
      moved(count),
      last_sequence(count),
      accepted_now(count),
      alive(count, 1),
      departing(count, 0),
      keys(count),
      cells(config.half_size, config.cell_size, count),
      views(count),
      entered(count),
      left(count),
      shards(config.shards) {
  live = count;
  const std::uint32_t columns = cells.columns();
  column_shard.resize(columns);
  for (std::uint32_t i = 0; i < config.shards; ++i) {
    shard_state& s = shards[i];
    s.first_column = static_cast<std::uint32_t>(std::uint64_t{i} * columns / config.shards);
    s.end_column = static_cast<std::uint32_t>(std::uint64_t{i + 1} * columns / config.shards);
    for (std::uint32_t col = s.first_column; col < s.end_column; ++col) column_shard[col] = i;
    s.outbox.resize(config.shards);
    s.aoi.mark.assign(count, 0);
  }
  cell_obstacles.resize(std::size_t{columns} * columns);
  const std::int32_t r = config.entity_radius;
  for (std::size_t o = 0; o < config.obstacles.size(); ++o) {
    const aabb& b = config.obstacles[o];
    const std::uint32_t c0 = cells.column_at(b.min.x - r), c1 = cells.column_at(b.max.x + r);
    const std::uint32_t r0 = cells.column_at(b.min.y - r), r1 = cells.column_at(b.max.y + r);
    for (std::uint32_t row = r0; row <= r1; ++row) {
      for (std::uint32_t col = c0; col <= c1; ++col) {
        cell_obstacles[std::size_t{row} * columns + col].push_back(static_cast<std::uint16_t>(o));
      }
    }
  }
  populate(*this, pop);
  for (std::uint32_t e = 0; e < count; ++e) cells.insert(e, cells.cell_at(pos[e]));
  list_players();
}

void world_state::grow(std::uint32_t n) {
  kind.resize(n, entity_kind::player);
  owner.resize(n, no_owner);
  pos.resize(n);
  vel.resize(n);
  target.resize(n);
  speed.resize(n);
  mode.resize(n, motion::velocity);
  tentative.resize(n);
  push.resize(n);
  moved.resize(n);
  last_sequence.resize(n);
  accepted_now.resize(n);
  alive.resize(n, 0);
  departing.resize(n, 0);
  keys.resize(n);
  cells.grow(n);
  views.resize(n);
  entered.resize(n);
  left.resize(n);
  for (shard_state& s : shards) s.aoi.mark.resize(n, 0);
  count = n;
}

void world_state::list_players() {
  players.clear();
  for (std::uint32_t e = 0; e < count; ++e) {
    if (kind[e] == entity_kind::player) players.push_back(e);
  }
}

}  // namespace detail

struct world::impl : detail::world_state {
  using detail::world_state::world_state;
};

world::world(world_config config, population pop) {
  if (auto error = validate(config, pop)) throw std::invalid_argument(*error);
  impl_ = std::make_unique<impl>(std::move(config), pop);
}
world::world(world_config config, std::span<const spawn> entities) {
  if (auto error = validate(config)) throw std::invalid_argument(*error);
  if (entities.size() > max_entities) throw std::invalid_argument("too many entities");
  const std::int32_t lim = config.half_size - config.entity_radius;
  const std::int64_t max = config.max_speed;
  for (const spawn& s : entities) {
    if (abs32(s.position.x) > lim || abs32(s.position.y) > lim) throw std::invalid_argument("spawn outside the world");
    if (std::int64_t{s.velocity.x} * s.velocity.x + std::int64_t{s.velocity.y} * s.velocity.y > max * max) {
      throw std::invalid_argument("spawn velocity above max_speed");
    }
  }
  impl_ = std::make_unique<impl>(std::move(config), population{static_cast<std::uint32_t>(entities.size()), 0});
  detail::world_state& w = *impl_;
  for (std::uint32_t e = 0; e < w.count; ++e) {
    w.cells.remove(e);
    w.kind[e] = entities[e].player ? entity_kind::player : entity_kind::npc;
    w.owner[e] = entities[e].player ? e : no_owner;
    w.pos[e] = entities[e].position;
    w.vel[e] = entities[e].velocity;
    w.cells.insert(e, w.cells.cell_at(w.pos[e]));
  }
  w.list_players();
}
world::world(std::unique_ptr<impl> state) noexcept : impl_(std::move(state)) {}
world::~world() = default;
world::world(world&&) noexcept = default;
world& world::operator=(world&&) noexcept = default;

const world_config& world::config() const noexcept { return impl_->config; }
std::uint64_t world::tick() const noexcept { return impl_->tick; }
std::uint32_t world::entity_count() const noexcept { return impl_->count; }
std::uint32_t world::live_count() const noexcept { return impl_->live; }
bool world::alive(std::uint32_t id) const { return impl_->alive.at(id) != 0; }
const std::string& world::key(std::uint32_t id) const { return impl_->keys.at(id); }
std::uint64_t world::last_sequence(std::uint32_t id) const { return impl_->last_sequence.at(id); }
std::optional<std::uint32_t> world::find(std::string_view key) const {
  const auto it = impl_->key_index.find(std::string(key));
  if (it == impl_->key_index.end()) return std::nullopt;
  return it->second;
}

const step_report& world::step(std::span<const command> commands) {
  serial_executor serial;
  return step(commands, serial);
}

const step_report& world::step(std::span<const command> commands, executor& ex) {
  detail::world_state& w = *impl_;
  detail::begin_step(w, commands);
  detail::run_shards(w, ex, [&w](detail::shard_state& s, std::uint32_t) { detail::move_phase(w, s); });
  detail::run_shards(w, ex, [&w](detail::shard_state& s, std::uint32_t i) { detail::settle_phase(w, s, i); });
  detail::run_shards(w, ex, [&w](detail::shard_state&, std::uint32_t i) { detail::receive_phase(w, i); });
  const bool still = detail::advance_reach(w);
  detail::run_shards(w, ex, [&w, still](detail::shard_state& s, std::uint32_t i) { detail::see_phase(w, s, i, still); });
  detail::end_step(w);
  return w.report;
}

const step_report& world::step_shard(std::span<const command> commands, std::uint32_t self, shard_exchange& ex) {
  detail::world_state& w = *impl_;
  if (self >= w.shards.size()) throw std::out_of_range("step_shard: no such shard");
  detail::begin_step(w, commands);
  detail::shard_state& me = w.shards[self];
  me.prior.resize(w.count);
  for (std::uint32_t e = 0; e < w.count; ++e) me.prior[e] = {w.vel[e], w.target[e], w.speed[e], w.mode[e]};
  detail::move_phase(w, me);
  const auto moves = detail::gather(w, ex, shard_phase::move, self, detail::encode_move_output(w, self));
  for (const auto& m : moves) detail::apply_move_output(w, m);
  detail::settle_phase(w, me, self);
  const auto settles = detail::gather(w, ex, shard_phase::settle, self, detail::encode_settle_output(w, self));
  detail::apply_settle_outputs(w, self, settles);
  // Every replica keeps the whole grid: it inserts every shard's hand-overs.
  for (std::uint32_t i = 0; i < w.shards.size(); ++i) detail::receive_phase(w, i);
  const bool still = detail::advance_reach(w);
  detail::see_phase(w, me, self, still);
  detail::end_step(w);
  return w.report;
}

void world::keep_views_of(std::uint32_t self) {
  detail::world_state& w = *impl_;
  for (const std::uint32_t p : w.players) {
    if (w.column_shard[w.cells.column_of_cell(w.cells.cell_of(p))] == self) continue;
    w.views[p] = detail::interest{};
    w.entered[p].clear();
    w.left[p].clear();
  }
}

std::optional<std::string> world::check_shard_output(std::string_view bytes, std::uint32_t self) const {
  const auto h = peek_shard_output(bytes);
  if (!h) return "shard output: no header";
  try {
    detail::decode_shard_output(*impl_, bytes, h->phase, impl_->tick + 1, self);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return std::nullopt;
}

entity_kind world::kind(std::uint32_t id) const { return impl_->kind.at(id); }
std::uint32_t world::owner(std::uint32_t id) const { return impl_->owner.at(id); }
vec2 world::position(std::uint32_t id) const { return impl_->pos.at(id); }
vec2 world::velocity(std::uint32_t id) const { return impl_->vel.at(id); }
std::span<const vec2> world::positions() const noexcept { return impl_->pos; }
bool world::moved(std::uint32_t id) const { return impl_->moved.at(id) != 0; }
std::uint32_t world::shard_of(std::uint32_t id) const {
  const auto& w = *impl_;
  if (!w.alive.at(id)) throw std::out_of_range("shard_of: entity not alive");
  return w.column_shard[w.cells.column_of_cell(w.cells.cell_of(id))];
}

std::vector<std::int32_t> world::shard_borders() const {
  const auto& w = *impl_;
  std::vector<std::int32_t> out;
  for (std::uint32_t col = 1; col < w.column_shard.size(); ++col) {
    if (w.column_shard[col] == w.column_shard[col - 1]) continue;
    out.push_back(static_cast<std::int32_t>(std::int64_t{col} * w.config.cell_size - w.config.half_size));
  }
  return out;
}

std::span<const std::uint32_t> world::tracked(std::uint32_t player) const { return impl_->views.at(player).entries; }

std::vector<std::uint32_t> world::visible(std::uint32_t player) const {
  std::vector<std::uint32_t> out;
  for (const std::uint32_t entry : tracked(player)) {
    if (detail::entry_is_visible(entry)) out.push_back(detail::entry_id(entry));
  }
  std::sort(out.begin(), out.end());
  return out;
}
std::uint32_t world::visible_count(std::uint32_t player) const { return impl_->views.at(player).visible; }

void world::nearest_moved_visible(std::uint32_t player, std::size_t cap, std::vector<std::uint32_t>& out) const {
  const auto& pos = impl_->pos;
  const vec2 me = pos.at(player);
  thread_local std::vector<std::pair<std::int64_t, std::uint32_t>> keyed;  // (distance^2, id): ties by id
  keyed.clear();
  for_each_moved_visible(player, [&](std::uint32_t e) { keyed.emplace_back(distance2(me, pos[e]), e); });
  if (keyed.size() > cap) {
    std::nth_element(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(cap), keyed.end());
    keyed.resize(cap);
  }
  std::sort(keyed.begin(), keyed.end());
  out.clear();
  for (const auto& k : keyed) out.push_back(k.second);
}

std::span<const std::uint32_t> world::entered(std::uint32_t player) const { return impl_->entered.at(player); }
std::span<const std::uint32_t> world::left(std::uint32_t player) const { return impl_->left.at(player); }
const rejection_counts& world::rejections() const noexcept { return impl_->rejected; }

std::string world::save() const { return detail::encode_state(*impl_); }

world world::restore(std::string_view bytes) {
  std::unique_ptr<impl> state;
  detail::decode_state(bytes, [&state](world_config c, std::uint32_t entities) -> detail::world_state& {
    state = std::make_unique<impl>(std::move(c), population{entities, 0});
    return *state;
  });
  return world(std::move(state));
}

std::uint64_t world::hash() const {
  const detail::world_state& w = *impl_;
  std::uint64_t h = 0x4D4554524F4E4F4DULL;  // "METRONOM"
  auto fold = [&h](std::int64_t field) { h = engine::detail::mix64(h ^ static_cast<std::uint64_t>(field)); };
  for (std::uint32_t e = 0; e < w.count; ++e) {
    fold(e);
    if (!w.alive[e]) {  // a free id
      fold(2);
      continue;
    }
    fold(static_cast<std::int64_t>(w.kind[e]));
    fold(w.owner[e]);
    fold(w.pos[e].x);
    fold(w.pos[e].y);
    fold(w.vel[e].x);
    fold(w.vel[e].y);
    fold(static_cast<std::int64_t>(w.mode[e]));
    fold(w.target[e].x);
    fold(w.target[e].y);
    fold(w.speed[e]);
    const std::string& key = w.keys[e];
    if (key.empty()) continue;
    fold(static_cast<std::int64_t>(key.size()));
    for (std::size_t i = 0; i < key.size(); i += 8) {  // 8 bytes at a time, little-endian, zero-padded
      std::uint64_t chunk = 0;
      for (std::size_t b = 0; b < 8 && i + b < key.size(); ++b) chunk |= std::uint64_t{static_cast<unsigned char>(key[i + b])} << (8 * b);
      fold(static_cast<std::int64_t>(chunk));
    }
  }
  return h;
}

}  // namespace metronome::world
