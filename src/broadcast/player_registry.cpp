#include "player_registry.hpp"

namespace metronome::broadcast {

player_registry::claim_result player_registry::claim(const std::string& session, const std::string& user, hub* h, std::uint64_t token,
                                                     std::int64_t now_ms, std::int64_t grace_ms) {
  std::lock_guard lock(mutex_);
  claim_result out;
  // Bounded: stale entries of other players go whenever anyone joins.
  prune(now_ms, grace_ms);
  const key k = std::make_pair(session, user);
  if (const auto found = entries_.find(k); found != entries_.end() && !found->second.live && now_ms < found->second.refused_until_ms) {
    out.cooldown_left_ms = found->second.refused_until_ms - now_ms;
    return out;
  }
  entry& e = entries_[k];
  if (e.token != 0) {
    out.previous_hub = e.h;
    out.previous_token = e.token;
    out.previous_live = e.live;
    out.resumed = e.live || (e.resumable && now_ms - e.released_at_ms <= grace_ms);
    if (out.resumed) out.samples = e.samples;
  }
  e = entry{h, token, true, false, 0, 0, std::move(out.samples)};
  out.samples = e.samples;
  return out;
}

void player_registry::release(const std::string& session, const std::string& user, std::uint64_t token, std::int64_t now_ms,
                              std::vector<double> samples, release_reason why, std::int64_t cooldown_ms) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find({session, user});
  if (it == entries_.end() || it->second.token != token) return;  // a newer connection owns it
  entry& e = it->second;
  e.live = false;
  e.released_at_ms = now_ms;
  e.resumable = why == release_reason::dropped;
  e.refused_until_ms = why == release_reason::kicked ? now_ms + cooldown_ms : 0;
  e.samples = e.resumable ? std::move(samples) : std::vector<double>{};
  (why == release_reason::kicked ? kicked_ : dropped_).push_back({it->first, token});
}

void player_registry::prune(std::int64_t now_ms, std::int64_t grace_ms) {
  // An entry is stale when it can neither be resumed nor still refuses
  // joins. Each FIFO ends its entries after the same delay (the grace
  // period; the kick cool-down), so its front is the first to go stale.
  for (std::deque<released>* q : {&dropped_, &kicked_}) {
    while (!q->empty()) {
      const released& r = q->front();
      const auto it = entries_.find(r.k);
      if (it != entries_.end() && it->second.token == r.token && !it->second.live) {
        const entry& e = it->second;
        if (now_ms - e.released_at_ms <= grace_ms || now_ms < e.refused_until_ms) break;
        entries_.erase(it);
      }
      q->pop_front();  // erased now, or claimed again / forgotten since
    }
  }
}

void player_registry::forget_session(const std::string& session) {
  std::lock_guard lock(mutex_);
  // The map is ordered by (session, user): the session's entries are one range.
  const auto first = entries_.lower_bound({session, std::string()});
  auto last = first;
  while (last != entries_.end() && last->first.first == session) ++last;
  entries_.erase(first, last);
}

std::size_t player_registry::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace metronome::broadcast
