#include "hub.hpp"

#include <boost/json.hpp>

#include "metronome/engine/state.hpp"

namespace metronome::broadcast {

namespace json = boost::json;

std::string_view state_name(player_state s) noexcept {
  switch (s) {
    case player_state::connecting: return "connecting";
    case player_state::ready: return "ready";
    case player_state::playing: return "playing";
    case player_state::disconnected: return "disconnected";
  }
  return "connecting";
}

hub::hub(net::loop& l, store::session_store& store, const clock& clk, const settings& s, const std::string& region, const params_fn& params,
         broadcast_metrics& metrics, player_registry& registry, moved_sessions& moved)
    : loop_(l),
      store_(store),
      clock_(clk),
      settings_(s),
      region_(region),
      params_(params),
      metrics_(metrics),
      registry_(registry),
      moved_(moved) {}

hub::~hub() { *alive_ = false; }

std::shared_ptr<net::ws_session_handler> hub::open(std::shared_ptr<net::ws_connection> conn) {
  auto l = std::make_shared<link>(*this, std::move(conn));
  links_.emplace(l->token(), l);
  l->start();
  metrics_.connections_now->add(1);
  return l;
}

template <class Encode>
void hub::broadcast(channel& c, Encode&& encode, int coalesce_key, const char* type) {
  broadcast_to(c, std::forward<Encode>(encode), coalesce_key, type, [](const player&) { return true; });
}

template <class Encode, class Want>
void hub::broadcast_to(channel& c, Encode&& encode, int coalesce_key, const char* type, Want&& want) {
  // One complete frame (header + payload) per wire format, shared by every
  // connection: the transport writes these bytes as they are.
  net::ws_frame frames[2];
  std::size_t sent = 0;
  for (auto& [user, p] : c.players) {
    const auto l = p.conn.lock();
    if (!l || !l->is_open() || !want(p)) continue;
    const wire w = l->format();
    net::ws_frame& f = frames[static_cast<std::size_t>(w)];
    if (!f.data) f = net::make_ws_frame(encode(w), w == wire::binary, coalesce_key);
    l->send_frame(f);
    ++sent;
  }
  if (sent != 0) count(type, sent);
}

void hub::count(const char* type, std::size_t n) {
  // Per-type series, found by the type's address: no allocation, no lock.
  for (const auto& [t, c] : counters_) {
    if (t == type) return c->inc(n);
  }
  counters_.emplace_back(type, &metrics_.messages.with({{"type", type}}));
  counters_.back().second->inc(n);
}

void hub::join(const std::shared_ptr<link>& l, const std::string& session_id, std::string user_id, std::optional<std::int64_t> after) {
  auto it = channels_.find(session_id);
  if (it == channels_.end()) {
    auto c = std::make_unique<channel>();
    c->id = session_id;
    it = channels_.emplace(session_id, std::move(c)).first;
    metrics_.sessions_now->add(1);
    // Completes on a store thread (or inline): come back to this loop.
    store_.get(session_id, [this, alive = alive_, id = session_id](result<store::session_record> r) mutable {
      loop_.post([this, alive, id = std::move(id), r = std::move(r)]() mutable {
        if (*alive) loaded(id, std::move(r));
      });
    });
  }
  channel& c = *it->second;
  if (!c.loaded) {
    c.waiting.push_back(waiting_join{l, std::move(user_id), after});
    return;
  }
  attach(c, l, user_id, after);
}

void hub::loaded(const std::string& id, result<store::session_record> r) {
  const auto it = channels_.find(id);
  if (it == channels_.end()) return;
  channel& c = *it->second;
  std::string code, message;
  if (!r) {
    code = r.error().code == errc::not_found ? "session_not_found" : "store_unavailable";
    message = r.error().code == errc::not_found ? "no session " + id : "the session store is unavailable; try again";
  } else if (r->ended()) {
    code = "session_ended";
    message = "the session has ended";
  } else if (auto params = params_(*r); !params) {
    code = "session_unreadable";
    message = params.error().message;
  } else {
    c.record = std::move(*r);
    c.params = *params;
  }
  if (!code.empty()) {
    for (auto& w : c.waiting) {
      if (auto l = w.conn.lock()) {
        l->refuse(code, message);
        l->close(code == "store_unavailable" ? close_code::try_again_later : close_code::join_refused, code);
      }
    }
    channels_.erase(it);
    metrics_.sessions_now->add(-1);
    return;
  }
  c.loaded = true;
  c.last_poll_ms = clock_.now_ms();
  c.tick_timer = loop_.make_timer();
  c.housekeeping = loop_.make_timer();
  auto waiting = std::move(c.waiting);
  for (auto& w : waiting) {
    if (auto l = w.conn.lock(); l && l->is_open()) attach(c, l, w.user, w.after);
  }
  schedule_tick(c);
  c.housekeeping->expire_at_ms(housekeeping_at(c, clock_.now_ms()), [this, id] { on_housekeeping(id); });
  drop_if_empty(id);
}

std::optional<destination> hub::moved_from_here(const channel& c) const {
  auto known = moved_.find(c.id);
  if (c.record.region == region_) {
    // Moved back here (or never away): the stale entry goes.
    if (known && !c.moved_away) moved_.forget(c.id);
    if (!c.moved_away) return std::nullopt;
  }
  if (!known && !c.moved_away) return std::nullopt;  // served here for another region (failover): as always
  destination d{c.record.region, ""};
  if (known && (c.moved_away || known->region == c.record.region)) d = *known;
  return d;
}

void hub::attach(channel& c, const std::shared_ptr<link>& l, const std::string& user, std::optional<std::int64_t> after) {
  const std::int64_t now = clock_.now_ms();
  if (const auto gone = moved_from_here(c)) {
    json::object e{{"type", "error"},
                   {"code", "session_moved"},
                   {"message", "the session moved to region " + gone->region},
                   {"region", gone->region},
                   {"wsUrl", gone->ws_url.empty() ? json::value(nullptr) : json::value(gone->ws_url)}};
    metrics_.refused.with({{"code", "session_moved"}}).inc();
    l->send_document(json::serialize(e), "error");
    l->close(close_code::migrated, "session moved");
    drop_if_empty(c.id);
    return;
  }
  const auto claim = registry_.claim(c.id, user, this, l->token(), now, settings_.reconnect_grace_ms);
  if (claim.cooldown_left_ms > 0) {
    l->refuse("rejoin_cooldown", "this player was kicked from the session recently; try again later", claim.cooldown_left_ms);
    l->close(close_code::rejoin_cooldown, "rejoin cooldown");
    drop_if_empty(c.id);
    return;
  }
  if (claim.previous_token != 0 && claim.previous_hub != nullptr) {
    if (claim.previous_hub == this) {
      drop_player(c.id, user, claim.previous_token, claim.previous_live);
    } else {
      hub* other = claim.previous_hub;
      other->owner().post([other, id = c.id, user, token = claim.previous_token, live = claim.previous_live] {
        other->drop_player(id, user, token, live);
      });
    }
  }
  const bool resumed = claim.resumed;
  auto it =
      c.players
          .insert_or_assign(
              user, player{user, {}, player_state::ready, latency_window(settings_.latency_samples, claim.samples), {}, 0, l->token()})
          .first;
  player& p = it->second;
  p.conn = l;
  l->set_joined(c.id, user);
  const engine::state now_state = engine::state_at(c.params, now);
  p.state = now_state.phase == engine::phase::running ? player_state::playing : player_state::ready;

  json::object joined{{"type", "session_joined"},
                      {"sessionId", c.id},
                      {"userId", user},
                      {"region", region_},
                      {"mode", store::mode_name(c.record.mode)},
                      {"tickMs", c.record.tick_ms},
                      {"startAt", c.record.start_at_ms},
                      {"resumed", resumed},
                      {"serverTimestamp", now}};
  boost::system::error_code ec;
  joined["rule"] = json::parse(c.record.rule_json, ec);
  // Whether the seed may be shown is the record's rule (session.hpp); a
  // server-mode session carries its commitment either way.
  if (c.record.seed_visible()) {
    joined["seed"] = std::to_string(c.record.seed);
  } else {
    joined["seed"] = nullptr;
  }
  if (c.record.mode == store::session_mode::server) {
    joined["commitment"] = json::object{{"algorithm", "sha256"}, {"value", c.record.commitment}};
  }
  l->send_document(json::serialize(joined), "session_joined");
  if (now_state.phase == engine::phase::countdown) {
    l->send(encode_countdown(l->format(), now_state.remaining_ms, now), coalesce_countdown, "countdown");
  } else {
    send_owed_ticks(c, p, *l, now_state, now, after);
  }
}

void hub::send_owed_ticks(const channel& c, player& p, link& l, const engine::state& now_state, std::int64_t now,
                          std::optional<std::int64_t> after) {
  std::int64_t from = now_state.step;
  if (after) from = std::max({*after + 1, now_state.step - max_resume_steps + 1, std::int64_t{0}});
  // Owed steps are queued whole (no coalescing: each is a different step);
  // the current one, like every live tick, may be replaced by a newer one.
  for (std::int64_t k = from; k < now_state.step; ++k) {
    l.send(encode_tick(l.format(), engine::state_at_step(c.params, k), now), 0, "tick");
  }
  if (from <= now_state.step) l.send(encode_tick(l.format(), now_state, now), coalesce_tick, "tick");
  p.last_step = std::max(p.last_step, now_state.step);
}

void hub::schedule_tick(channel& c) {
  const std::int64_t now = clock_.now_ms();
  std::int64_t next = c.last_step + 1;
  if (now >= c.params.start_at_ms) next = std::max(next, (now - c.params.start_at_ms) / c.params.tick_ms + 1);
  if (next < 0) next = 0;
  if (next > engine::last_step(c.params)) return;
  c.tick_timer->expire_at_ms(engine::step_start_ms(c.params, next), [this, id = c.id] { on_tick(id); });
}

std::int64_t hub::housekeeping_at(const channel& c, std::int64_t now_ms) const {
  // While the session runs, on a tick boundary: both timers expire in the
  // same loop turn, so each player's ping goes out in the tick's write (one
  // syscall per player per tick, pings included).
  const std::int64_t at = now_ms + settings_.ping_interval_ms;
  const engine::session_params& p = c.params;
  if (at <= p.start_at_ms || p.tick_ms <= 0) return at;
  const std::int64_t step = (at - p.start_at_ms + p.tick_ms - 1) / p.tick_ms;
  return step > engine::last_step(p) ? at : engine::step_start_ms(p, step);
}

void hub::on_tick(const std::string& id) {
  const auto it = channels_.find(id);
  if (it == channels_.end()) return;
  channel& c = *it->second;
  const std::int64_t now = clock_.now_ms();
  const engine::state st = engine::state_at(c.params, now);
  if (st.phase == engine::phase::running && st.step > c.last_step) {
    c.last_step = st.step;
    metrics_.ticks_total->inc();
    // A player that joined at this step's boundary has it already.
    broadcast_to(
        c, [&](wire w) { return encode_tick(w, st, now); }, coalesce_tick, "tick", [&](const player& p) { return p.last_step < st.step; });
    for (auto& [user, p] : c.players) {
      if (p.state == player_state::ready) p.state = player_state::playing;
      p.last_step = std::max(p.last_step, st.step);
    }
    if (st.broken && c.record.mode == store::session_mode::server && settings_.on_break) {
      settings_.on_break(c.id, st.step, st.round, engine::step_start_ms(c.params, st.step));
    }
  }
  schedule_tick(c);
}

void hub::on_housekeeping(const std::string& id) {
  const auto it = channels_.find(id);
  if (it == channels_.end()) return;
  channel& c = *it->second;
  const std::int64_t now = clock_.now_ms();
  const std::int64_t now_us = clock_.monotonic_us();

  // Latency probes: an RFC 6455 ping control frame per player, whose pong
  // every WebSocket stack sends by itself. Silence is judged on everything
  // the peer sends, so a client that never answers an application message
  // is never "unresponsive" while its pongs arrive.
  const std::uint32_t seq = ++c.ping_seq;
  const std::string payload = encode_ping_payload(seq);
  for (auto& [user, p] : c.players) {
    const auto l = p.conn.lock();
    if (!l || !l->is_open() || p.state == player_state::disconnected) continue;
    if (now_us - l->last_heard_us() > settings_.unresponsive_ms * 1000) {
      kick(c, p, "unresponsive");
      continue;
    }
    p.pending[seq % p.pending.size()] = {seq, now_us};
    l->ping(payload);
  }

  const engine::state st = engine::state_at(c.params, now);
  if (st.phase == engine::phase::countdown) {
    broadcast(
        c, [&](wire w) { return encode_countdown(w, st.remaining_ms, now); }, coalesce_countdown, "countdown");
  }

  // Players gone past the grace period are forgotten.
  for (auto p = c.players.begin(); p != c.players.end();) {
    const bool gone = p->second.state == player_state::disconnected && now - p->second.disconnected_at_ms > settings_.reconnect_grace_ms;
    p = gone ? c.players.erase(p) : std::next(p);
  }

  // Sessions can end on another region (shared store): re-read the status.
  if (!c.polling && now - c.last_poll_ms >= settings_.status_poll_ms) {
    c.polling = true;
    c.last_poll_ms = now;
    store_.get(id, [this, alive = alive_, id](result<store::session_record> r) mutable {
      loop_.post([this, alive, id, r = std::move(r)] {
        if (!*alive) return;
        const auto found = channels_.find(id);
        if (found == channels_.end()) return;
        channel& polled = *found->second;
        polled.polling = false;
        if (r && r->ended()) return end_channel(polled, *r);
        if (r && r->region != polled.record.region) {
          // Moved by someone else (another edge, a lost notice): follow it.
          polled.record.region = r->region;
          if (r->region == region_) return moved_.forget(id);
          auto known = moved_.find(id);
          destination to{r->region, known && known->region == r->region ? known->ws_url : std::string()};
          moved_.record(id, to);
          session_moved(id, to);
        }
      });
    });
  }
  if (channels_.count(id) != 0) {
    c.housekeeping->expire_at_ms(housekeeping_at(c, now), [this, id] { on_housekeeping(id); });
  }
  drop_if_empty(id);
}

void hub::pong(link& l, std::uint32_t seq) {
  const auto it = channels_.find(l.session_id());
  if (it == channels_.end()) return;
  channel& c = *it->second;
  const auto p_it = c.players.find(l.user_id());
  if (p_it == c.players.end()) return;
  player& p = p_it->second;
  if (p.conn.lock().get() != &l) return;
  auto& sent = p.pending[seq % p.pending.size()];
  if (sent.seq != seq || sent.sent_us < 0) return;  // answered already, or too old: no sample
  const double rtt_ms = static_cast<double>(clock_.monotonic_us() - sent.sent_us) / 1000.0;
  sent.sent_us = -1;
  p.latency.add(rtt_ms);
  const verdict v = judge(p.latency, settings_);
  if (v == verdict::kick_latency || v == verdict::kick_jitter) {
    kick(c, p, kick_reason(v));
    return;
  }
  l.send(encode_latency_status(l.format(), v == verdict::warning, p.latency.mean_ms(), p.latency.jitter_ms()), coalesce_latency,
         "latency_status");
}

void hub::kick(channel& c, player& p, std::string_view reason) {
  if (auto l = p.conn.lock()) {
    json::object k{{"type", "kicked"}, {"reason", reason}, {"rttMs", p.latency.mean_ms()}, {"jitterMs", p.latency.jitter_ms()}};
    l->send_document(json::serialize(k), "kicked");
    l->close(close_code::kicked, reason);
  }
  metrics_.kicks.with({{"reason", std::string(reason)}}).inc();
  p.state = player_state::disconnected;
  p.disconnected_at_ms = clock_.now_ms();
  p.conn.reset();
  registry_.release(c.id, p.user_id, p.token, p.disconnected_at_ms, {}, release_reason::kicked, settings_.rejoin_cooldown_ms);
  if (settings_.on_kick) settings_.on_kick(c.id, p.user_id, reason, p.latency.mean_ms(), p.latency.jitter_ms());
}

void hub::closed(link& l) { links_.erase(l.token()); }

void hub::left(link& l, bool left_on_purpose) {
  const auto it = channels_.find(l.session_id());
  if (it == channels_.end()) return;
  channel& c = *it->second;
  // A kicked player is already released (with its cool-down): not again.
  if (const auto p = c.players.find(l.user_id());
      p != c.players.end() && p->second.token == l.token() && p->second.state != player_state::disconnected) {
    p->second.state = player_state::disconnected;
    p->second.disconnected_at_ms = clock_.now_ms();
    p->second.conn.reset();
    registry_.release(c.id, l.user_id(), l.token(), clock_.now_ms(), p->second.latency.samples(),
                      left_on_purpose ? release_reason::left : release_reason::dropped);
  }
  drop_if_empty(l.session_id());
}

void hub::drop_player(const std::string& session, const std::string& user, std::uint64_t token, bool replaced) {
  const auto it = channels_.find(session);
  if (it == channels_.end()) return;
  channel& c = *it->second;
  const auto p = c.players.find(user);
  if (p == c.players.end() || p->second.token != token) return;
  if (auto l = p->second.conn.lock(); replaced && l && l->is_open()) {
    const player& old = p->second;
    json::object k{{"type", "kicked"}, {"reason", "replaced"}, {"rttMs", old.latency.mean_ms()}, {"jitterMs", old.latency.jitter_ms()}};
    l->send_document(json::serialize(k), "kicked");
    l->close(close_code::replaced, "replaced");
    metrics_.kicks.with({{"reason", "replaced"}}).inc();
  }
  c.players.erase(p);
  drop_if_empty(session);
}

void hub::session_moved(const std::string& id, const destination& to) {
  const auto it = channels_.find(id);
  if (it == channels_.end()) return;
  channel& c = *it->second;
  if (!c.loaded) {
    c.moved_away = true;  // its joins are refused when the record arrives
    return;
  }
  // lastStep: the last step this region sent; each client resumes after the
  // last one it received (docs/protocol.md "Migration").
  json::object m{{"type", "migrate"},
                 {"sessionId", id},
                 {"region", to.region},
                 {"wsUrl", to.ws_url.empty() ? json::value(nullptr) : json::value(to.ws_url)},
                 {"lastStep", c.last_step}};
  const std::string doc = json::serialize(m);
  for (auto& [user, p] : c.players) {
    if (auto l = p.conn.lock()) {
      l->send_document(doc, "migrate");
      l->close(close_code::migrated, "session moved");
    }
  }
  registry_.forget_session(id);
  channels_.erase(it);
  metrics_.sessions_now->add(-1);
}

void hub::session_ended(const store::session_record& record) {
  if (const auto it = channels_.find(record.id); it != channels_.end() && it->second->loaded) end_channel(*it->second, record);
}

void hub::end_channel(channel& c, const store::session_record& record) {
  json::object stopped{{"type", "stopped"}, {"reason", store::status_name(record.status)}};
  if (record.mode == store::session_mode::server) {
    stopped["seed"] = std::to_string(record.seed);
    stopped["salt"] = record.salt;
  }
  const std::string doc = json::serialize(stopped);
  for (auto& [user, p] : c.players) {
    if (auto l = p.conn.lock()) {
      l->send_document(doc, "stopped");
      l->close(close_code::normal, "session ended");
    }
  }
  const std::string id = c.id;
  registry_.forget_session(id);
  channels_.erase(id);  // c is gone from here on
  metrics_.sessions_now->add(-1);
}

void hub::drop_if_empty(const std::string& id) {
  // A session with no live connection on this thread needs no timers:
  // reconnections are recognized by the registry, not by this channel.
  // Erased from a posted task, never inside one of the channel's own timer
  // callbacks.
  loop_.post([this, alive = alive_, id] {
    if (!*alive) return;
    const auto found = channels_.find(id);
    if (found == channels_.end() || !found->second->loaded) return;
    for (const auto& [user, p] : found->second->players) {
      if (!p.conn.expired()) return;
    }
    channels_.erase(found);
    metrics_.sessions_now->add(-1);
  });
}

std::string hub::players_json(const std::string& session_id) {
  json::array out;
  const auto it = channels_.find(session_id);
  if (it == channels_.end()) return json::serialize(out);
  for (const auto& [user, p] : it->second->players) {
    const auto l = p.conn.lock();
    out.push_back(json::object{{"userId", user},
                               {"state", state_name(p.state)},
                               {"queuedBytes", l ? l->queued_bytes() : 0},
                               {"rttMs", p.latency.mean_ms()},
                               {"jitterMs", p.latency.jitter_ms()},
                               {"samples", p.latency.count()},
                               {"status", judge(p.latency, settings_) == verdict::ok ? "ok" : "warning"}});
  }
  return json::serialize(out);
}

void hub::shutdown() {
  *alive_ = false;
  // Joined, waiting for the store, or never joined: every open link.
  const auto links = std::move(links_);
  for (const auto& [token, weak] : links) {
    if (auto l = weak.lock()) l->close(close_code::going_away, "server shutting down");
  }
  channels_.clear();  // timers die here, on the loop's thread
}

}  // namespace metronome::broadcast
