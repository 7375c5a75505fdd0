#include "metronome/gateway/client_stream.hpp"

#include <algorithm>
#include <cmath>

namespace metronome::gateway {
namespace {

qpos quantized(world::vec2 p) noexcept { return {wire::quantize(p.x), wire::quantize(p.y)}; }

std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
std::size_t svarint_size(std::int64_t v) noexcept {
  return varint_size((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

}  // namespace

client_stream::client_stream(stream_config config, std::uint32_t self) : config_(config), self_(self) {}

void client_stream::observe(const world::world& w, const world::step_report& r) {
  const std::int64_t per_tick = config_.budget_bytes_per_second / std::max<std::uint32_t>(config_.tick_hz, 1);
  tokens_ = std::min<std::int64_t>(tokens_ + per_tick, 2 * per_tick);
  if (!need_reset_) {
    // Leaves before enters: an id that left and came back this tick is a new entity.
    for (const std::uint32_t id : w.left(self_)) {
      member_.erase(id);
      pending_.push_back({wire::event_type::leave, id, 0, 0, {}});
    }
    for (const std::uint32_t id : w.entered(self_)) {
      member_.insert(id);
      pending_.push_back({wire::event_type::enter, id, 0, 0, {}});
    }
  }
  for (const world::emote_event& e : r.emotes) {
    if (e.entity == self_ || member_.contains(e.entity)) pending_.push_back({wire::event_type::emote, e.entity, 0, 0, e.text});
  }
  for (const world::rejection& x : r.rejections) {
    if (x.player == self_ && x.sequence > seq_offset_) {
      pending_.push_back({wire::event_type::rejected, 0, x.sequence - seq_offset_, static_cast<std::uint8_t>(x.reason), {}});
    }
  }
}

wire::enter_event client_stream::enter_of(const world::world& w, std::uint32_t id) const {
  const qpos q = quantized(w.position(id));
  return {id, static_cast<std::uint8_t>(w.kind(id)), q.x, q.y, w.key(id)};
}

void client_stream::start_reset(const world::world& w, std::vector<wire::event>& events) {
  need_reset_ = false;
  reset_tick_ = w.tick();
  known_.clear();
  member_.clear();
  // Events of the old view are void; emotes and rejections are still owed.
  std::erase_if(pending_, [](const pending& p) { return p.type == wire::event_type::enter || p.type == wire::event_type::leave; });
  events.push_back(enter_of(w, self_));
  known_[self_].history.record(w.tick(), quantized(w.position(self_)));
  for (const std::uint32_t id : w.visible(self_)) {
    member_.insert(id);
    events.push_back(enter_of(w, id));
    known_[id].history.record(w.tick(), quantized(w.position(id)));
  }
  ++stats_.resets;
}

void client_stream::build(const world::world& w, std::string& out) {
  const std::uint64_t tick = w.tick();
  const std::uint64_t heard = std::max(acked_, reset_tick_);
  if (tick - heard > config_.max_unacked_ticks) need_reset_ = true;
  wire::frame_msg f;
  f.tick = tick;
  if (need_reset_) {
    f.reset = true;
    start_reset(w, f.events);
  }
  f.base = acked_ >= reset_tick_ && !f.reset ? acked_ : 0;
  for (pending& p : pending_) {
    switch (p.type) {
      case wire::event_type::enter:
        f.events.push_back(enter_of(w, p.id));
        known_[p.id] = known{};
        known_[p.id].history.record(tick, quantized(w.position(p.id)));
        known_[p.id].last_sent = tick;
        break;
      case wire::event_type::leave:
        f.events.push_back(wire::leave_event{p.id});
        known_.erase(p.id);
        break;
      case wire::event_type::emote: f.events.push_back(wire::emote_event{p.id, std::move(p.text)}); break;
      case wire::event_type::rejected: f.events.push_back(wire::rejected_event{p.seq, p.reason}); break;
    }
  }
  pending_.clear();
  stats_.events += f.events.size();

  // Rank the entities whose position differs from what the client has.
  const world::vec2 me = w.position(self_);
  const double radius = std::max<double>(w.config().aoi_radius, 1);
  ranked_.clear();
  for (auto& [id, k] : known_) {
    if (k.history.latest().tick == tick) continue;  // entered (or reset) in this frame
    if (f.base != 0) k.history.forget_before(f.base);
    if (quantized(w.position(id)) == k.history.latest().pos) continue;
    const double age = static_cast<double>(tick - std::max(k.last_sent, reset_tick_));
    const world::vec2 p = w.position(id);
    const double d = std::sqrt(static_cast<double>(world::distance2(me, p)));
    const double score = id == self_ ? 1e300 : age * radius / (d + radius / 8);
    ranked_.emplace_back(score, id);
  }
  std::sort(ranked_.begin(), ranked_.end(),
            [](const auto& l, const auto& r) { return l.first != r.first ? l.first > r.first : l.second < r.second; });

  std::string events_bytes;
  wire::writer ew(events_bytes);
  for (const wire::event& e : f.events) wire::encode_event(e, ew);
  std::int64_t spend = static_cast<std::int64_t>(events_bytes.size() + 16);
  for (const auto& [score, id] : ranked_) {
    known& k = known_[id];
    const qpos now = quantized(w.position(id));
    const std::optional<qpos> at = f.base != 0 ? k.history.at(f.base) : std::nullopt;
    wire::update u{id, !at.has_value(), now.x, now.y};
    if (at) {
      u.x = now.x - at->x;
      u.y = now.y - at->y;
    }
    const auto size = static_cast<std::int64_t>(varint_size((std::uint64_t{id} << 1) | 1) + svarint_size(u.x) + svarint_size(u.y));
    if (id != self_ && spend + size > tokens_) {
      ++stats_.deferred;
      continue;
    }
    spend += size;
    f.updates.push_back(u);
    k.history.record(tick, now);
    k.last_sent = tick;
  }
  std::sort(f.updates.begin(), f.updates.end(), [](const wire::update& l, const wire::update& r) { return l.id < r.id; });
  stats_.updates += f.updates.size();

  const std::size_t before = out.size();
  wire::encode(f, out);
  const auto bytes = out.size() - before;
  tokens_ -= static_cast<std::int64_t>(bytes);
  stats_.bytes += bytes;
  ++stats_.frames;
  last_sent_ = tick;
}

bool client_stream::ack(std::uint64_t tick) noexcept {
  if (tick == 0 || tick > last_sent_) return false;
  acked_ = std::max(acked_, tick);
  return true;
}

}  // namespace metronome::gateway
