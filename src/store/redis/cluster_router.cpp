#include "redis/cluster_router.hpp"

#include <algorithm>

#include "redis/slot.hpp"

namespace metronome::store::detail::redis {
namespace {

constexpr std::uint16_t max_attempts = 16;
constexpr std::chrono::milliseconds refresh_spacing{100};
constexpr std::chrono::milliseconds retry_base{25};
constexpr std::chrono::milliseconds retry_cap{200};
constexpr std::chrono::milliseconds refresh_deadline{1000};

}  // namespace

cluster_router::cluster_router(std::vector<host_port> seeds, const node_settings& settings)
    : seeds_(std::move(seeds)), settings_(settings), slots_(slot_count, nullptr) {}

node& cluster_router::node_for(const std::string& host, std::uint16_t port) {
  std::string name = host + ":" + std::to_string(port);
  auto it = nodes_.find(name);
  if (it == nodes_.end()) it = nodes_.emplace(std::move(name), std::make_unique<node>(host, port, settings_, *this)).first;
  return *it->second;
}

void cluster_router::dispatch(request_ptr r, steady::time_point now) { route(std::move(r), now); }

void cluster_router::route(request_ptr r, steady::time_point now) {
  if (stopping_) {
    finish_with(std::move(r), errc::unavailable, "the session store is shutting down");
    return;
  }
  if (r->asking) {
    const auto it = nodes_.find(r->ask_node);
    if (it != nodes_.end()) {
      it->second->enqueue(std::move(r), now);
      return;
    }
    r->asking = false;  // cannot happen: ASK targets are created when the ASK arrives
  }
  node* target = nullptr;
  if (r->slot < 0) {
    if (!masters_.empty()) target = masters_[next_master_++ % masters_.size()];
  } else if (r->slot < slot_count) {
    target = slots_[static_cast<std::size_t>(r->slot)];
  } else {
    finish_with(std::move(r), errc::internal, "slot out of range");
    return;
  }
  if (target == nullptr) {
    if (parked_.size() >= settings_.max_in_flight) {
      finish_with(std::move(r), errc::unavailable, "too many requests waiting for the Redis Cluster slot map");
      return;
    }
    parked_.push_back(std::move(r));
    want_refresh();
    return;
  }
  target->enqueue(std::move(r), now);
}

void cluster_router::on_complete(request_ptr r, completion&& c) {
  if (stopping_ || r->pinned) {
    finish(std::move(r), std::move(c));
    return;
  }
  const auto now = steady::now();
  if (!c.ok()) {
    const bool resendable = !c.maybe_executed || r->idempotent;
    if (resendable && c.failure->code == errc::unavailable) {
      want_refresh();  // the node may be gone: a failover moves its slots
      retry_later(std::move(r), std::move(c), now);
      return;
    }
    finish(std::move(r), std::move(c));
    return;
  }
  const reply_view first(c.replies.empty() ? nullptr : c.replies.front().get());
  if (!first.is_error()) {
    finish(std::move(r), std::move(c));
    return;
  }
  const redirect d = classify_error(*first.text());
  if (d.what == redirect::kind::none || r->attempts >= max_attempts || r->deadline <= now) {
    finish(std::move(r), std::move(c));
    return;
  }
  ++r->attempts;
  switch (d.what) {
    case redirect::kind::moved: {
      node& n = node_for(std::string(d.host), d.port);
      slots_[static_cast<std::size_t>(d.slot)] = &n;
      if (std::find(masters_.begin(), masters_.end(), &n) == masters_.end()) masters_.push_back(&n);
      want_refresh();  // one moved slot usually means more
      ready_.push_back(std::move(r));
      return;
    }
    case redirect::kind::ask: {
      node& n = node_for(std::string(d.host), d.port);
      r->asking = true;
      r->ask_node = n.name();
      ready_.push_back(std::move(r));
      return;
    }
    case redirect::kind::retry_later:
      want_refresh();
      retry_later(std::move(r), std::move(c), now);
      return;
    case redirect::kind::none: break;
  }
  finish(std::move(r), std::move(c));
}

void cluster_router::retry_later(request_ptr r, completion&& c, steady::time_point now) {
  const auto backoff = std::min<std::chrono::milliseconds>(retry_base * (1u << std::min<unsigned>(r->attempts, 3u)), retry_cap);
  if (r->attempts >= max_attempts || now + backoff >= r->deadline) {
    finish(std::move(r), std::move(c));  // the last failure is the honest answer
    return;
  }
  ++r->attempts;
  delayed_.push_back(delayed{now + backoff, std::move(r)});
}

void cluster_router::tick(steady::time_point now) {
  for (auto& [name, n] : nodes_) n->tick(now);
  if (!delayed_.empty()) {
    std::vector<delayed> keep;
    for (auto& d : delayed_) {
      if (d.at <= now) {
        ready_.push_back(std::move(d.r));
      } else {
        keep.push_back(std::move(d));
      }
    }
    delayed_ = std::move(keep);
  }
  while (!ready_.empty()) {
    auto batch = std::move(ready_);
    ready_.clear();
    for (auto& r : batch) route(std::move(r), now);
  }
  if (!parked_.empty()) {
    std::vector<request_ptr> keep;
    for (auto& r : parked_) {
      if (r->deadline <= now) {
        finish_with(std::move(r), errc::unavailable, "no reachable Redis Cluster master serves this slot");
      } else {
        keep.push_back(std::move(r));
      }
    }
    parked_ = std::move(keep);
  }
  if ((refresh_wanted_ || !parked_.empty()) && !refreshing_ && now - last_refresh_ >= refresh_spacing) start_refresh(now);
}

void cluster_router::start_refresh(steady::time_point now) {
  // Candidates: current masters first (they know the newest map), then seeds.
  std::vector<std::pair<std::string, std::uint16_t>> candidates;
  for (node* m : masters_) candidates.emplace_back(m->host(), m->port());
  for (const auto& s : seeds_) candidates.emplace_back(s.host, s.port);
  if (candidates.empty()) return;
  refresh_candidates_ = candidates.size();
  const auto& [host, port] = candidates[refresh_cursor_++ % candidates.size()];
  refreshing_ = true;
  refresh_wanted_ = false;
  last_refresh_ = now;
  auto r = std::make_unique<request>();
  append_command(r->payload, {"CLUSTER", "SLOTS"});
  r->commands = 1;
  r->idempotent = true;
  r->pinned = true;
  r->deadline = now + std::min<std::chrono::milliseconds>(refresh_deadline, settings_.connection.stall_timeout);
  r->done = [this, asked = host](completion&& c) { on_slots(asked, std::move(c)); };
  node_for(host, port).enqueue(std::move(r), now);
}

void cluster_router::on_slots(const std::string& asked_host, completion&& c) {
  refreshing_ = false;
  if (stopping_) return;
  // On failure the next refresh asks the next candidate; tick() starts one
  // while requests are parked, and failing requests ask for one themselves.
  // Once every candidate has failed in a row, nobody can be reached: what
  // waits for a map fails now rather than at its deadline.
  auto ranges = c.ok() && !c.replies.empty()
                    ? parse_cluster_slots(reply_view(c.replies.front().get()), asked_host)
                    : result<std::vector<slot_range>>(c.failure ? *c.failure : error{errc::internal, "empty reply"});
  if (!ranges) {
    if (++refresh_failures_ >= refresh_candidates_) {
      refresh_failures_ = 0;
      for (auto& r : parked_) finish_with(std::move(r), errc::unavailable, "no Redis Cluster node reachable: " + ranges.error().message);
      parked_.clear();
    }
    return;
  }
  refresh_failures_ = 0;
  std::vector<node*> fresh(slot_count, nullptr);
  std::vector<node*> masters;
  for (const auto& range : *ranges) {
    node& n = node_for(range.host, range.port);
    for (int s = range.first; s <= range.last; ++s) fresh[static_cast<std::size_t>(s)] = &n;
    if (std::find(masters.begin(), masters.end(), &n) == masters.end()) masters.push_back(&n);
  }
  slots_ = std::move(fresh);
  masters_ = std::move(masters);
  for (auto& r : parked_) ready_.push_back(std::move(r));
  parked_.clear();
}

bool cluster_router::busy() const {
  if (!parked_.empty() || !ready_.empty() || !delayed_.empty() || refreshing_ || refresh_wanted_) return true;
  return std::any_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n.second->busy(); });
}

void cluster_router::collect(std::vector<connection*>& out) {
  for (auto& [name, n] : nodes_) n->collect(out);
}

void cluster_router::shutdown(const std::string& why) {
  stopping_ = true;
  for (auto& [name, n] : nodes_) n->fail_all(errc::unavailable, why);
  for (auto& r : parked_) finish_with(std::move(r), errc::unavailable, why);
  for (auto& r : ready_) finish_with(std::move(r), errc::unavailable, why);
  for (auto& d : delayed_) finish_with(std::move(d.r), errc::unavailable, why);
  parked_.clear();
  ready_.clear();
  delayed_.clear();
}

}  // namespace metronome::store::detail::redis
