#include "world_bot.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <variant>

namespace metronome::load {
namespace {

namespace wire = gateway::wire;

constexpr std::size_t max_noted = 20;      ///< failures spelled out in the report
constexpr std::size_t ring_depth = 40;     ///< views kept while armed (2 s at 20 Hz)
constexpr std::uint64_t probe_ticks = 40;  ///< a probe not seen within this many ticks is lost
constexpr int max_stopping_frames = 40;    ///< start the next leg anyway (unprobed) after this many

std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}
std::size_t svarint_size(std::int64_t v) noexcept {
  return varint_size((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

/// Bytes of a frame's update records as docs/protocol.md encodes them (head = gap << 1 | absolute).
std::uint64_t update_bytes(const wire::frame_msg& f) noexcept {
  std::uint64_t n = 0;
  std::uint32_t prev = 0;
  for (const wire::update& u : f.updates) {
    n += varint_size((std::uint64_t{u.id - prev} << 1) | (u.absolute ? 1U : 0U)) + svarint_size(u.x) + svarint_size(u.y);
    prev = u.id;
  }
  return n;
}

/// A distinct, nonzero xorshift state per bot.
std::uint64_t seed_of(std::uint64_t seed, int index) noexcept {
  const std::uint64_t golden = 0x9E3779B97F4A7C15ULL;
  return (seed ^ (golden * (static_cast<std::uint64_t>(static_cast<unsigned>(index)) + 1))) | 1U;
}

}  // namespace

void world_bot_stats::note(std::string what) {
  if (first_failures.size() < max_noted) first_failures.push_back(std::move(what));
}

void world_bot_stats::merge(const world_bot_stats& o) {
  frames += o.frames;
  frame_bytes += o.frame_bytes;
  updates += o.updates;
  update_bytes += o.update_bytes;
  events += o.events;
  resets += o.resets;
  commands += o.commands;
  latency.merge(o.latency);
  probes_lost += o.probes_lost;
  decode_errors += o.decode_errors;
  view_errors += o.view_errors;
  comparisons += o.comparisons;
  entities_checked += o.entities_checked;
  unavailable += o.unavailable;
  mismatches += o.mismatches;
  for (const auto& f : o.first_failures) note(f);
  for (const auto& [k, v] : o.error_messages) error_messages[k] += v;
  for (const auto& [k, v] : o.rejected) rejected[k] += v;
  for (const auto& [k, v] : o.close_codes) close_codes[k] += v;
  for (const auto& [k, v] : o.failures) failures[k] += v;
}

world_bot::world_bot(int index, std::uint64_t seed, world_bot_stats& stats) : index_(index), rng_{seed_of(seed, index)}, stats_(stats) {}

std::uint64_t world_bot::random() { return rng_.next(); }

void world_bot::command(const wire::command_msg& c, bool measuring, std::vector<std::string>& out) {
  std::string bytes;
  wire::encode(c, bytes);
  out.push_back(std::move(bytes));
  if (measuring) ++stats_.commands;
}

world_bot::outcome world_bot::on_message(std::string_view payload, std::int64_t arrival_us, bool measuring, std::vector<std::string>& out) {
  auto d = wire::decode_server(payload);
  if (!d.msg) {
    ++stats_.decode_errors;
    stats_.note("bot-" + std::to_string(index_) + ": undecodable message: " + d.error);
    return {false, -1};
  }
  if (const auto* w = std::get_if<wire::welcome_msg>(&*d.msg)) {
    welcomed_ = true;
    self_ = w->entity;
    max_speed_ = static_cast<std::int32_t>(std::min<std::uint32_t>(w->max_speed, 1U << 20));
    tick_us_ = 1'000'000 / std::max<std::uint32_t>(w->tick_hz, 1);
    half_ = static_cast<std::int32_t>(std::min<std::uint64_t>(std::uint64_t{w->half} * wire::fixed_per_q, 1U << 30));
    seq_ = 0;  // a new connection counts from 1 (docs/protocol.md)
    return {};
  }
  if (const auto* e = std::get_if<wire::error_msg>(&*d.msg)) {
    ++stats_.error_messages[e->code];
    return {};
  }
  const auto& f = std::get<wire::frame_msg>(*d.msg);
  if (!welcomed_) {
    ++stats_.view_errors;
    stats_.note("bot-" + std::to_string(index_) + ": a tick frame before the welcome");
    return {false, -1};
  }
  if (auto bad = view_.apply(f)) {
    ++stats_.view_errors;
    stats_.note("bot-" + std::to_string(index_) + " tick " + std::to_string(f.tick) + ": frame not applicable: " + *bad);
    return {false, -1};
  }
  std::string ack;
  wire::encode(wire::ack_msg{f.tick}, ack);
  out.push_back(std::move(ack));
  for (const auto& r : view_.rejected) ++stats_.rejected[r.reason];
  view_.rejected.clear();
  if (measuring) {
    ++stats_.frames;
    stats_.frame_bytes += payload.size();
    stats_.updates += f.updates.size();
    stats_.update_bytes += update_bytes(f);
    stats_.events += f.events.size();
    if (f.reset) ++stats_.resets;
  }
  measure(f, arrival_us, measuring);
  outcome o;
  if (spread_ > 0 && !spread_sent_) start_spread(measuring, out);
  o.walk_in_us = walk(view_.position(self_));
  if (round_) {
    ring_.push_back(world_check::snapshot_of(view_, self_));
    if (ring_.size() > ring_depth) ring_.pop_front();
    try_check();
  }
  return o;
}

/// A probe ends at the first frame that arrived after the command and shows
/// the bot's own entity moved from where it rested the commanded way: within
/// 30 degrees of the velocity and by at least half a tick of it (a push from
/// a crowd seldom passes both).
void world_bot::measure(const wire::frame_msg& f, std::int64_t arrival_us, bool measuring) {
  if (!probe_ || f.tick <= probe_->after_tick || arrival_us < probe_->sent_us) return;
  const auto me = view_.position(self_);
  if (me && *me != probe_->rest) {
    const double dx = static_cast<double>(wire::dequantize(std::int64_t{me->x} - probe_->rest.x));
    const double dy = static_cast<double>(wire::dequantize(std::int64_t{me->y} - probe_->rest.y));
    const double d = std::hypot(dx, dy), v = std::hypot(probe_->vx, probe_->vy);
    if (dx * probe_->vx + dy * probe_->vy >= 0.866 * d * v && d >= v / 2) {
      if (measuring) stats_.latency.record(arrival_us - probe_->sent_us);
      probe_.reset();
      return;
    }
  }
  if (f.tick > probe_->after_tick + probe_ticks) {
    if (measuring) ++stats_.probes_lost;
    probe_.reset();
  }
}

std::int64_t world_bot::walk(const std::optional<gateway::qpos>& me) {
  ++frames_in_phase_;
  still_ = me && last_pos_ && *me == *last_pos_ ? still_ + 1 : 0;
  last_pos_ = me;
  if (walk_pending_) return -1;
  if (phase_ == phase::moving && frames_in_phase_ < leg_) return -1;
  if (phase_ == phase::stopping && still_ < 2 && frames_in_phase_ < stop_cap_) return -1;
  walk_pending_ = true;
  return static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(tick_us_));
}

void world_bot::on_walk(std::int64_t now_us, bool measuring, std::vector<std::string>& out) {
  walk_pending_ = false;
  if (phase_ == phase::moving) {
    phase_ = phase::stopping;
    frames_in_phase_ = 0;
    command({.seq = ++seq_, .kind = wire::command_kind::stop}, measuring, out);
    return;
  }
  const double angle = static_cast<double>(random() % 3600) * std::numbers::pi / 1800.0;
  const double speed = static_cast<double>(max_speed_) * (0.5 + static_cast<double>(random() % 501) / 1000.0);
  // Truncation towards zero keeps vx^2 + vy^2 <= speed^2 <= max_speed^2.
  const auto vx = static_cast<std::int32_t>(speed * std::cos(angle));
  const auto vy = static_cast<std::int32_t>(speed * std::sin(angle));
  const auto me = view_.position(self_);
  if (measuring && me && still_ >= 2 && (vx != 0 || vy != 0) && !probe_) probe_ = probe{now_us, view_.tick(), *me, vx, vy};
  command({.seq = ++seq_, .kind = wire::command_kind::velocity, .a = vx, .b = vy}, measuring, out);
  phase_ = phase::moving;
  frames_in_phase_ = 0;
  stop_cap_ = max_stopping_frames;
  leg_ = 5 + static_cast<int>(random() % 16);
}

/// Uniform in the disc (radius spread_ * sqrt(u)), inside the world; the
/// walk starts once the bot stands still there (move-to stops on arrival).
void world_bot::start_spread(bool measuring, std::vector<std::string>& out) {
  spread_sent_ = true;
  const double angle = static_cast<double>(random() % 3600) * std::numbers::pi / 1800.0;
  const double r = static_cast<double>(spread_) * std::sqrt(static_cast<double>(random() % 1'000'001) / 1e6);
  const double inside = std::max(0.0, static_cast<double>(half_) - 1024.0);
  const auto x = static_cast<std::int32_t>(std::clamp(r * std::cos(angle), -inside, inside));
  const auto y = static_cast<std::int32_t>(std::clamp(r * std::sin(angle), -inside, inside));
  command({.seq = ++seq_, .kind = wire::command_kind::move_to, .a = x, .b = y, .speed = std::max(1, max_speed_)}, measuring, out);
  phase_ = phase::stopping;
  frames_in_phase_ = 0;
  stop_cap_ = static_cast<int>(r / std::max(1, max_speed_)) + max_stopping_frames;
}

void world_bot::arm(std::shared_ptr<check_round> round) {
  if (round_) finish_round();
  round_ = std::move(round);
  ring_.clear();
}

void world_bot::check() {
  has_truth_ = round_ != nullptr;
  try_check();
}

void world_bot::abandon() {
  if (!round_) return;
  ++stats_.unavailable;
  finish_round();
}

void world_bot::try_check() {
  if (!round_ || !has_truth_) return;  // the round's truth is read only after check() (posted after it was set)
  const world_check::truth& t = *round_->truth;
  if (view_.tick() < t.tick) return;  // the frame for the truth's tick is still to come
  const auto it = std::find_if(ring_.begin(), ring_.end(), [&](const auto& s) { return s.tick == t.tick; });
  if (it == ring_.end()) {
    ++stats_.unavailable;  // that frame was skipped (latest-wins), or came before the bot was armed
    return finish_round();
  }
  ++stats_.comparisons;
  stats_.entities_checked += it->entities.size();
  for (const world_check::mismatch& m : world_check::compare(t, *it)) {
    ++stats_.mismatches;
    stats_.note("bot-" + std::to_string(index_) + " tick " + std::to_string(t.tick) + " entity " + std::to_string(m.entity) + ": " + m.why);
  }
  finish_round();
}

void world_bot::finish_round() {
  round_->finished.fetch_add(1);
  round_.reset();
  has_truth_ = false;
  ring_.clear();
}

}  // namespace metronome::load
