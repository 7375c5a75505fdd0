#include "world_check.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "metronome/gateway/wire.hpp"

namespace metronome::load::world_check {
namespace {

namespace json = boost::json;

/// An integer field within [lo, hi], or nullopt.
std::optional<std::int64_t> int_in(const json::value& v, std::int64_t lo, std::int64_t hi) {
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    return std::nullopt;
  }
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

std::optional<std::int64_t> field(const json::object& o, std::string_view name, std::int64_t lo, std::int64_t hi, std::string& error) {
  const json::value* v = o.if_contains(name);
  auto n = v == nullptr ? std::nullopt : int_in(*v, lo, hi);
  if (!n) error = "\"" + std::string(name) + "\": missing or not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return n;
}

std::int64_t distance2(std::int64_t ax, std::int64_t ay, std::int64_t bx, std::int64_t by) noexcept {
  return (ax - bx) * (ax - bx) + (ay - by) * (ay - by);
}

}  // namespace

const truth_entity* truth::find(std::uint32_t id) const noexcept {
  const auto it = std::lower_bound(entities.begin(), entities.end(), id, [](const truth_entity& e, std::uint32_t i) { return e.id < i; });
  return it != entities.end() && it->id == id ? &*it : nullptr;
}

std::optional<truth> parse_truth(std::string_view body, std::string& error) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec) {
    error = "not JSON: " + ec.message();
    return std::nullopt;
  }
  const json::object* o = doc.if_object();
  if (o == nullptr) {
    error = "not a JSON object";
    return std::nullopt;
  }
  constexpr std::int64_t i32 = std::numeric_limits<std::int32_t>::max();
  truth t;
  const auto tick = field(*o, "tick", 0, std::numeric_limits<std::int64_t>::max(), error);
  const auto radius = field(*o, "radius", 0, i32, error);
  const auto margin = field(*o, "margin", 0, i32, error);
  const auto speed = field(*o, "maxSpeed", 0, i32, error);
  const auto er = field(*o, "entityRadius", 0, i32, error);
  const auto obstacles = field(*o, "obstacles", 0, i32, error);
  if (!tick || !radius || !margin || !speed || !er || !obstacles) return std::nullopt;
  t.tick = static_cast<std::uint64_t>(*tick);
  t.radius = static_cast<std::int32_t>(*radius);
  t.margin = static_cast<std::int32_t>(*margin);
  t.max_speed = static_cast<std::int32_t>(*speed);
  t.entity_radius = static_cast<std::int32_t>(*er);
  t.obstacles = static_cast<std::uint64_t>(*obstacles);
  const json::value* list = o->if_contains("entities");
  if (list == nullptr || !list->is_array()) {
    error = "\"entities\": missing or not an array";
    return std::nullopt;
  }
  t.entities.reserve(list->get_array().size());
  for (const json::value& item : list->get_array()) {
    const json::array* a = item.if_array();
    const auto id = a != nullptr && a->size() == 4 ? int_in((*a)[0], 0, gateway::wire::max_id) : std::nullopt;
    const auto x = id ? int_in((*a)[2], -i32 - 1, i32) : std::nullopt;
    const auto y = id ? int_in((*a)[3], -i32 - 1, i32) : std::nullopt;
    if (!id || !x || !y || !int_in((*a)[1], 0, 255)) {
      error = "\"entities\": each item must be [id, kind, x, y] with integers in range";
      return std::nullopt;
    }
    if (!t.entities.empty() && t.entities.back().id >= *id) {
      error = "\"entities\": ids must be strictly ascending";
      return std::nullopt;
    }
    t.entities.push_back({static_cast<std::uint32_t>(*id), static_cast<std::int32_t>(*x), static_cast<std::int32_t>(*y)});
  }
  return t;
}

view_snapshot snapshot_of(const gateway::client_view& view, std::uint32_t self) {
  view_snapshot s;
  s.tick = view.tick();
  s.self = self;
  s.entities.reserve(view.entities().size());
  for (const auto& [id, e] : view.entities()) {
    if (e.history.empty()) continue;
    s.entities.push_back({id, e.history.latest().pos, e.history.latest().tick});
  }
  return s;
}

std::int64_t step_bound(const truth& t) noexcept { return std::int64_t{t.max_speed} + 2 * std::int64_t{t.entity_radius}; }

std::int64_t allowed_error(const truth& t, std::uint64_t staleness) noexcept {
  return gateway::wire::fixed_per_q / 2 + static_cast<std::int64_t>(staleness) * step_bound(t);
}

std::vector<mismatch> compare(const truth& t, const view_snapshot& view) {
  std::vector<mismatch> out;
  const truth_entity* me = t.find(view.self);
  if (me == nullptr) {
    out.push_back({view.self, "the bot's own entity is not in the world"});
    return out;
  }
  const std::int64_t r2 = std::int64_t{t.radius} * t.radius;
  const std::int64_t far = std::int64_t{t.radius} + t.margin;
  const auto in_view = [&](std::uint32_t id) {
    const auto it = std::lower_bound(view.entities.begin(), view.entities.end(), id,
                                     [](const view_snapshot::seen& s, std::uint32_t i) { return s.id < i; });
    return it != view.entities.end() && it->id == id;
  };
  for (const truth_entity& e : t.entities) {
    if (e.id == view.self) continue;
    const std::int64_t d2 = distance2(e.x, e.y, me->x, me->y);
    if (d2 <= r2 && !in_view(e.id)) {
      out.push_back(
          {e.id, "missing: within the radius (distance^2 " + std::to_string(d2) + " <= " + std::to_string(r2) + ") but not in view"});
    }
  }
  for (const view_snapshot::seen& s : view.entities) {
    const truth_entity* e = t.find(s.id);
    if (e == nullptr) {
      out.push_back({s.id, "extra: in view but not in the world"});
      continue;
    }
    if (s.id != view.self) {
      const std::int64_t d2 = distance2(e->x, e->y, me->x, me->y);
      if (d2 > far * far) {
        out.push_back({s.id, "extra: beyond radius + margin (distance^2 " + std::to_string(d2) + " > " + std::to_string(far * far) + ")"});
      }
    }
    const std::int64_t ex = std::llabs(gateway::wire::dequantize(s.pos.x) - e->x);
    const std::int64_t ey = std::llabs(gateway::wire::dequantize(s.pos.y) - e->y);
    const std::uint64_t staleness = view.tick >= s.at ? view.tick - s.at : 0;
    const std::int64_t allowed = allowed_error(t, staleness);
    if (std::max(ex, ey) > allowed) {
      out.push_back({s.id, "displaced: view (" + std::to_string(gateway::wire::dequantize(s.pos.x)) + ", " +
                               std::to_string(gateway::wire::dequantize(s.pos.y)) + ") vs world (" + std::to_string(e->x) + ", " +
                               std::to_string(e->y) + "), error " + std::to_string(std::max(ex, ey)) + " > allowed " +
                               std::to_string(allowed) + " (staleness " + std::to_string(staleness) + " ticks)"});
    }
  }
  return out;
}

}  // namespace metronome::load::world_check
