// One I/O thread's share of the broadcaster: its sessions (channels), their
// players and timers. Used only on that thread.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "metronome/broadcast/broadcaster.hpp"
#include "metronome/broadcast/close_codes.hpp"
#include "metronome/broadcast/codec.hpp"
#include "metronome/broadcast/latency.hpp"
#include "moved_sessions.hpp"
#include "player_registry.hpp"

namespace metronome::broadcast {

enum class player_state { connecting, ready, playing, disconnected };
std::string_view state_name(player_state s) noexcept;

class link;

class hub {
 public:
  hub(net::loop& l, store::session_store& store, const clock& clk, const settings& s, const std::string& region, const params_fn& params,
      broadcast_metrics& metrics, player_registry& registry, moved_sessions& moved);
  ~hub();

  /// The most steps a resuming join is sent (older ones come from the
  /// replay endpoint, or the client computes them: docs/protocol.md).
  static constexpr std::int64_t max_resume_steps = 1000;

  std::shared_ptr<net::ws_session_handler> open(std::shared_ptr<net::ws_connection> conn);
  void session_ended(const store::session_record& record);
  /// Session `id` moved to another region (the edge's migration, or seen by
  /// the status poll; already in the moved table): its players get
  /// `migrate` and close 4007, and this hub stops serving it.
  void session_moved(const std::string& id, const destination& to);
  std::string players_json(const std::string& session_id);
  void shutdown();

  // Called by links.
  /// `after`: join_message::after (the resume point), if given.
  void join(const std::shared_ptr<link>& l, const std::string& session_id, std::string user_id, std::optional<std::int64_t> after);
  /// A pong control frame answering the ping `seq` arrived on `l`.
  void pong(link& l, std::uint32_t seq);
  /// `l`'s player is gone: by an explicit leave (`left_on_purpose`: no
  /// resume), or because the connection dropped (resumable within the grace).
  void left(link& l, bool left_on_purpose);
  /// `l` is closed: forget it (the hub holds every open link for shutdown).
  void closed(link& l);
  /// The player's connection `token` on this hub is superseded by one
  /// elsewhere: kick it as replaced (if still open) and forget it.
  void drop_player(const std::string& session, const std::string& user, std::uint64_t token, bool replaced);
  net::loop& owner() noexcept { return loop_; }
  const settings& config() const noexcept { return settings_; }
  const clock& time() const noexcept { return clock_; }
  broadcast_metrics& metrics() noexcept { return metrics_; }

 private:
  struct player {
    std::string user_id;
    std::weak_ptr<link> conn;
    player_state state = player_state::ready;
    latency_window latency;
    struct sent_ping {
      std::uint32_t seq = 0;
      std::int64_t sent_us = -1;  ///< monotonic us when sent; -1 once answered
    };
    std::array<sent_ping, 8> pending{};  ///< the last 8 ping control frames, by seq % 8
    std::int64_t disconnected_at_ms = 0;
    std::uint64_t token = 0;      ///< The link that holds (or last held) this player.
    std::int64_t last_step = -1;  ///< The last tick step queued to it: no step is sent twice.
  };
  struct waiting_join {
    std::weak_ptr<link> conn;
    std::string user;
    std::optional<std::int64_t> after;
  };
  struct channel {
    std::string id;
    bool loaded = false;
    store::session_record record;
    engine::session_params params;
    std::vector<waiting_join> waiting;  ///< until loaded
    bool moved_away = false;            ///< Moved while its record was being read: refuse the waiting joins.
    std::map<std::string, player> players;
    std::unique_ptr<net::timer> tick_timer, housekeeping;
    std::int64_t last_step = -1;
    std::uint32_t ping_seq = 0;
    std::int64_t last_poll_ms = 0;
    bool polling = false;
  };

  void loaded(const std::string& id, result<store::session_record> r);
  void attach(channel& c, const std::shared_ptr<link>& l, const std::string& user, std::optional<std::int64_t> after);
  /// Where the session went, if it left this region: the moved table says
  /// so and the record names another region (the record's region wins).
  std::optional<destination> moved_from_here(const channel& c) const;
  /// Sends the ticks a joining player is owed: the current one, or with
  /// `after` every step after it up to the current one (at most
  /// hub::max_resume_steps).
  void send_owed_ticks(const channel& c, player& p, link& l, const engine::state& now_state, std::int64_t now,
                       std::optional<std::int64_t> after);
  void schedule_tick(channel& c);
  void on_tick(const std::string& id);
  void on_housekeeping(const std::string& id);
  /// When the next housekeeping (pings, countdown, status poll) is due.
  std::int64_t housekeeping_at(const channel& c, std::int64_t now_ms) const;
  void end_channel(channel& c, const store::session_record& record);
  void kick(channel& c, player& p, std::string_view reason);
  void drop_if_empty(const std::string& id);
  /// Sends the same bytes to every connected player of `c`, encoded at most
  /// once per wire format.
  template <class Encode>
  void broadcast(channel& c, Encode&& encode, int coalesce_key, const char* type);
  /// As above, to the players for which want(player&) is true.
  template <class Encode, class Want>
  void broadcast_to(channel& c, Encode&& encode, int coalesce_key, const char* type, Want&& want);

 public:
  /// Counts n messages of `type` (a string literal) queued to players.
  void count(const char* type, std::size_t n = 1);

 private:
  std::vector<std::pair<const char*, obs::counter*>> counters_;  ///< this hub's series, by type

  net::loop& loop_;
  store::session_store& store_;
  const clock& clock_;
  const settings& settings_;
  const std::string& region_;
  const params_fn& params_;
  broadcast_metrics& metrics_;
  player_registry& registry_;
  moved_sessions& moved_;
  std::unordered_map<std::string, std::unique_ptr<channel>> channels_;
  /// Every open link, joined or not, by token: shutdown closes them all.
  std::unordered_map<std::uint64_t, std::weak_ptr<link>> links_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< For store callbacks posted after shutdown.
};

/// One WebSocket connection's protocol handling: decoding, rate limit,
/// abuse strikes, the join deadline.
class link final : public net::ws_session_handler, public std::enable_shared_from_this<link> {
 public:
  link(hub& h, std::shared_ptr<net::ws_connection> conn);
  void start();
  void on_message(std::string_view data, bool binary) override;
  void on_pong(std::string_view payload) override;
  void on_close() override;

  void send(std::string bytes, int coalesce_key, const char* type);
  /// Queues a frame shared with other connections (not counted here: the
  /// hub counts a broadcast once).
  void send_frame(const net::ws_frame& frame) {
    if (is_open()) conn_->send(frame);
  }
  void send_document(const std::string& json_object, const char* type);
  /// A ping control frame (the latency probe); its pong comes to on_pong.
  void ping(std::string_view payload) {
    if (is_open()) conn_->ping(payload);
  }
  void close(std::uint16_t code, std::string_view reason);
  /// Sends `error` (with `retryAfterMs` when retry_after_ms >= 0) and counts
  /// a strike; strikes_to_close strikes close the connection with 1008.
  void refuse(std::string_view code, std::string_view message, std::int64_t retry_after_ms = -1);

  wire format() const noexcept { return wire_; }
  bool is_open() const noexcept { return conn_ && conn_->open(); }
  const std::string& session_id() const noexcept { return session_id_; }
  const std::string& user_id() const noexcept { return user_id_; }
  void set_joined(std::string session, std::string user) {
    session_id_ = std::move(session);
    user_id_ = std::move(user);
  }
  const std::string& remote() const noexcept { return conn_->remote_address(); }
  std::uint64_t token() const noexcept { return token_; }
  std::size_t queued_bytes() const noexcept { return conn_ ? conn_->queued_bytes() : 0; }
  bool joined() const noexcept { return !session_id_.empty(); }
  /// Monotonic us of the last frame of any kind from the peer (a message or
  /// a pong control frame), or of the connection's opening.
  std::int64_t last_heard_us() const noexcept { return last_heard_us_; }
  bool joining = false;

 private:
  hub& hub_;
  std::shared_ptr<net::ws_connection> conn_;
  wire wire_;
  std::string session_id_, user_id_;
  token_bucket bucket_;
  std::vector<std::int64_t> strikes_;
  std::unique_ptr<net::timer> join_deadline_;
  std::uint64_t token_;  ///< Unique per connection, process-wide.
  std::int64_t last_heard_us_;
  bool closed_ = false;
};

/// Coalesce keys: a queued frame of the same kind is replaced by a newer one.
inline constexpr int coalesce_tick = 1, coalesce_latency = 3, coalesce_countdown = 4;

}  // namespace metronome::broadcast
