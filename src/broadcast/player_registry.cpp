#include "player_registry.hpp"

namespace metronome::broadcast {

player_registry::claim_result player_registry::claim(const std::string& session, const std::string& user, hub* h, std::uint64_t token,
                                                     std::int64_t now_ms, std::int64_t grace_ms) {
  std::lock_guard lock(mutex_);
  claim_result out;
  // Bounded: stale entries of other players go whenever anyone joins.
  std::erase_if(entries_, [&](const auto& kv) { return !kv.second.live && now_ms - kv.second.released_at_ms > grace_ms; });
  entry& e = entries_[{session, user}];
  if (e.token != 0) {
    out.previous_hub = e.h;
    out.previous_token = e.token;
    out.previous_live = e.live;
    out.resumed = e.live || now_ms - e.released_at_ms <= grace_ms;
    if (out.resumed) out.samples = e.samples;
  }
  e = entry{h, token, true, 0, std::move(out.samples)};
  out.samples = e.samples;
  return out;
}

void player_registry::release(const std::string& session, const std::string& user, std::uint64_t token, std::int64_t now_ms,
                              std::vector<double> samples) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find({session, user});
  if (it == entries_.end() || it->second.token != token) return;  // a newer connection owns it
  it->second.live = false;
  it->second.released_at_ms = now_ms;
  it->second.samples = std::move(samples);
}

void player_registry::forget_session(const std::string& session) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.first.first == session; });
}

}  // namespace metronome::broadcast
