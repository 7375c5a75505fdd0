#include "metronome/gateway/client_view.hpp"

#include <type_traits>

namespace metronome::gateway {

std::optional<std::string> client_view::apply(const wire::frame_msg& f) {
  if (tick_ != 0 && f.tick <= tick_) return "tick " + std::to_string(f.tick) + " after " + std::to_string(tick_);
  if (f.reset) entities_.clear();
  tick_ = f.tick;
  for (const wire::event& ev : f.events) {
    std::optional<std::string> bad;
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, wire::enter_event>) {
            entity& x = entities_[e.id];
            if (!x.history.empty()) {
              bad = "enter of " + std::to_string(e.id) + ", already in view";
              return;
            }
            x.kind = e.kind;
            x.key = e.key;
            x.history.record(f.tick, {e.x, e.y});
          } else if constexpr (std::is_same_v<T, wire::leave_event>) {
            if (entities_.erase(e.id) == 0) bad = "leave of " + std::to_string(e.id) + ", not in view";
          } else if constexpr (std::is_same_v<T, wire::emote_event>) {
            ++emotes;
          } else {
            rejected.push_back(e);
          }
        },
        ev);
    if (bad) return bad;
  }
  for (const wire::update& u : f.updates) {
    const auto it = entities_.find(u.id);
    if (it == entities_.end()) return "update for " + std::to_string(u.id) + ", not in view";
    position_history& h = it->second.history;
    if (u.absolute) {
      h.record(f.tick, {u.x, u.y});
      continue;
    }
    const std::optional<qpos> at = h.at(f.base);
    if (!at) return "delta for " + std::to_string(u.id) + " with no position at base " + std::to_string(f.base);
    h.forget_before(f.base);
    h.record(f.tick, {static_cast<std::int32_t>(std::int64_t{at->x} + u.x), static_cast<std::int32_t>(std::int64_t{at->y} + u.y)});
  }
  return std::nullopt;
}

std::optional<qpos> client_view::position(std::uint32_t id) const {
  const auto it = entities_.find(id);
  if (it == entities_.end() || it->second.history.empty()) return std::nullopt;
  return it->second.history.latest().pos;
}

}  // namespace metronome::gateway
