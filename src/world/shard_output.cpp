// The shard output codec (format in shard_exchange.hpp).
#include "metronome/world/detail/shard_output.hpp"

#include <algorithm>

#include "metronome/world/detail/byte_codec.hpp"

namespace metronome::world {

std::optional<shard_output_header> peek_shard_output(std::string_view bytes) noexcept {
  if (bytes.size() < shard_output_header_bytes) return std::nullopt;
  shard_output_header h;
  const auto phase = static_cast<std::uint8_t>(bytes[0]);
  if (phase != static_cast<std::uint8_t>(shard_phase::move) && phase != static_cast<std::uint8_t>(shard_phase::settle)) return std::nullopt;
  h.phase = static_cast<shard_phase>(phase);
  std::memcpy(&h.tick, bytes.data() + 1, 8);
  std::memcpy(&h.shard, bytes.data() + 9, 4);
  std::memcpy(&h.shards, bytes.data() + 13, 4);
  return h;
}

namespace detail {
namespace {

// id, tentative, velocity, mode, target, speed.
constexpr std::size_t moved_bytes = 4 + 8 + 8 + 1 + 8 + 4;
constexpr std::size_t committed_bytes = 4 + 8;
// id, built, base, limit, visible, entry count.
constexpr std::size_t view_bytes = 4 + 1 + 8 + 4 + 4 + 4;

void put_header(writer& o, const world_state& w, shard_phase phase, std::uint32_t self) {
  o.put(static_cast<std::uint8_t>(phase));
  o.put(w.tick);
  o.put(self);
  o.put(w.config.shards);
}

bool within(vec2 v, std::int64_t lim) noexcept { return abs32(v.x) <= lim && abs32(v.y) <= lim; }

/// The shard whose strip holds e now, or none when e is in no cell.
std::uint32_t holder(const world_state& w, std::uint32_t e) {
  const std::uint32_t cell = w.cells.cell_of(e);
  return cell == grid::none ? grid::none : w.column_shard[w.cells.column_of_cell(cell)];
}

/// The next id of an ascending list, held by `sender`.
std::uint32_t get_held_id(reader& in, const world_state& w, std::uint32_t sender, std::int64_t& last, const char* what) {
  const auto id = in.get<std::uint32_t>(what);
  if (id >= w.count || std::int64_t{id} <= last) in.fail(std::string(what) + " ids not ascending ids of entities");
  if (!w.alive[id] || holder(w, id) != sender) in.fail(std::string(what) + " " + std::to_string(id) + " is not held by the sender");
  last = id;
  return id;
}

}  // namespace

std::string encode_move_output(const world_state& w, std::uint32_t self) {
  const shard_state& s = w.shards[self];
  // What the others read: the tentative positions in the strip's first and
  // last columns (their ghosts), and every motion the phase changed (so that
  // every replica holds every entity's motion for the hash and hand-overs).
  std::vector<std::uint32_t> sent;
  for (const std::uint32_t e : s.held) {
    const std::uint32_t col = w.cells.column_of_cell(w.cells.cell_of(e));
    const bool border = col == s.first_column || col + 1 == s.end_column;
    if (border || !(s.prior[e] == motion_state{w.vel[e], w.target[e], w.speed[e], w.mode[e]})) sent.push_back(e);
  }
  std::string out;
  out.reserve(shard_output_header_bytes + 4 + sent.size() * moved_bytes);
  writer o(out);
  put_header(o, w, shard_phase::move, self);
  o.put(static_cast<std::uint32_t>(sent.size()));
  for (const std::uint32_t e : sent) {
    o.put(e);
    o.put(w.tentative[e]);
    o.put(w.vel[e]);
    o.put(static_cast<std::uint8_t>(w.mode[e]));
    o.put(w.target[e]);
    o.put(w.speed[e]);
  }
  return out;
}

std::string encode_settle_output(world_state& w, std::uint32_t self) {
  const shard_state& s = w.shards[self];
  std::string out;
  writer o(out);
  put_header(o, w, shard_phase::settle, self);
  const std::uint32_t moved =
      static_cast<std::uint32_t>(std::count_if(s.held.begin(), s.held.end(), [&w](std::uint32_t e) { return w.moved[e] != 0; }));
  out.reserve(out.size() + 8 + std::size_t{moved} * committed_bytes);
  o.put(moved);
  for (const std::uint32_t e : s.held) {
    if (w.moved[e] == 0) continue;
    o.put(e);
    o.put(w.pos[e]);
  }
  std::vector<std::uint32_t> leaving;
  for (const auto& box : s.outbox) {
    for (const std::uint32_t e : box) {
      if (w.kind[e] == entity_kind::player) leaving.push_back(e);
    }
  }
  std::sort(leaving.begin(), leaving.end());
  o.put(static_cast<std::uint32_t>(leaving.size()));
  for (const std::uint32_t p : leaving) {
    interest& v = w.views[p];
    o.put(p);
    o.put(static_cast<std::uint8_t>(v.built ? 1 : 0));
    o.put(v.base);
    o.put(v.limit);
    o.put(v.visible);
    o.put_ids(v.entries);
    v = interest{};
    w.entered[p].clear();
    w.left[p].clear();
  }
  return out;
}

shard_output decode_shard_output(const world_state& w, std::string_view bytes, shard_phase phase, std::uint64_t tick, std::uint32_t self) {
  reader in(bytes, "shard output: ");
  shard_output r;
  const auto h = peek_shard_output(bytes);
  if (!h) in.fail("no header");
  in.take(shard_output_header_bytes, "the header");
  r.header = *h;
  if (h->phase != phase || h->tick != tick) in.fail("not the output of this tick and phase");
  if (h->shards != w.config.shards) in.fail("from a world of " + std::to_string(h->shards) + " shards");
  if (h->shard >= w.config.shards || h->shard == self) in.fail("from no other shard");
  const world_config& c = w.config;
  const std::int64_t lim = std::int64_t{c.half_size} - c.entity_radius;
  std::int64_t last = -1;
  if (phase == shard_phase::move) {
    r.moved.resize(in.get_count(moved_bytes, "entity"));
    for (moved_entity& m : r.moved) {
      m.id = get_held_id(in, w, h->shard, last, "entity");
      m.tentative = in.get_vec("entity");
      m.vel = in.get_vec("entity");
      const auto mode = in.get<std::uint8_t>("entity");
      m.target = in.get_vec("entity");
      m.speed = in.get<std::int32_t>("entity");
      if (mode > 1) in.fail("entity " + std::to_string(m.id) + ": motion mode out of range");
      m.mode = static_cast<motion>(mode);
      if (!within(m.tentative, lim) || !within(m.target, c.half_size)) in.fail("entity " + std::to_string(m.id) + ": outside the world");
      if (!within(m.vel, c.max_speed) || m.speed < 0 || m.speed > c.max_speed)
        in.fail("entity " + std::to_string(m.id) + ": speed above max_speed");
    }
  } else {
    r.committed.resize(in.get_count(committed_bytes, "entity"));
    for (committed_entity& m : r.committed) {
      m.id = get_held_id(in, w, h->shard, last, "entity");
      m.pos = in.get_vec("entity");
      if (!within(m.pos, lim)) in.fail("entity " + std::to_string(m.id) + ": outside the world");
    }
    r.views.resize(in.get_count(view_bytes, "view"));
    last = -1;
    std::vector<std::uint8_t> seen(w.count, 0);
    for (handed_view& hv : r.views) {
      hv.id = get_held_id(in, w, h->shard, last, "view");
      const auto it = std::lower_bound(r.committed.begin(), r.committed.end(), hv.id,
                                       [](const committed_entity& m, std::uint32_t id) { return m.id < id; });
      if (w.kind[hv.id] != entity_kind::player || it == r.committed.end() || it->id != hv.id ||
          w.column_shard[w.cells.column_of_cell(w.cells.cell_at(it->pos))] == h->shard) {
        in.fail("view of " + std::to_string(hv.id) + ": not a player handed over");
      }
      interest& v = hv.view;
      const auto built = in.get<std::uint8_t>("view");
      if (built > 1) in.fail("view flag of player " + std::to_string(hv.id) + " is not 0 or 1");
      v.built = built == 1;
      v.base = in.get<std::int64_t>("view");
      v.limit = in.get<std::uint32_t>("view");
      v.visible = in.get<std::uint32_t>("view");
      if (v.base < 0 || v.base > w.reach || v.limit > w.rules.limit)
        in.fail("view clock of player " + std::to_string(hv.id) + " out of range");
      v.entries.resize(in.get_count(4, "view entry"));
      std::uint32_t visible = 0;
      for (std::uint32_t& entry : v.entries) {
        entry = in.get<std::uint32_t>("view entry");
        const std::uint32_t id = entry_id(entry);
        // Entities that left this tick are still in views until the see phase.
        if (id >= w.count || id == hv.id || (!w.alive[id] && !w.departing[id]) || seen[id] != 0) {
          in.fail("view of player " + std::to_string(hv.id) + " holds a bad or repeated id");
        }
        seen[id] = 1;
        visible += entry_is_visible(entry) ? 1u : 0u;
      }
      for (const std::uint32_t entry : v.entries) seen[entry_id(entry)] = 0;
      if (visible != v.visible) in.fail("view of player " + std::to_string(hv.id) + " miscounts its visible entries");
    }
  }
  if (in.left() != 0) in.fail(std::to_string(in.left()) + " bytes after the end");
  return r;
}

}  // namespace detail
}  // namespace metronome::world
