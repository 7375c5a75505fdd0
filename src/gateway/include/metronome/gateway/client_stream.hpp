// What one client is sent, tick after tick: its events (never dropped) and
// the position updates that fit its bandwidth budget, as deltas against the
// state it acknowledged (docs/protocol.md, "Tick frame"). Pure: the world
// and the ticks come in, bytes go out; the connection is someone else's.
//
// Contract: observe() after every world step, whether or not a frame is
// built for that tick (it collects the tick's events and the budget's
// tokens); build() at most once per tick, after observe(); ack() whenever the
// client acknowledges. Single-threaded (the caller's tick thread).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metronome/gateway/history.hpp"
#include "metronome/gateway/wire.hpp"
#include "metronome/world/world.hpp"

namespace metronome::gateway {

struct stream_config {
  std::uint32_t budget_bytes_per_second = 8000;  ///< Per client, frames included (B/s). Default 8,000.
  std::uint32_t tick_hz = 20;                    ///< Ticks per second the budget is spread over.
  std::uint32_t max_unacked_ticks = 32;          ///< An ack older than this many ticks: reset. Default 32 (1.6 s).
};

struct stream_stats {
  std::uint64_t frames = 0, resets = 0, bytes = 0;
  std::uint64_t updates = 0;   ///< position updates sent
  std::uint64_t deferred = 0;  ///< updates the budget held back (sent later)
  std::uint64_t events = 0;
};

class client_stream {
 public:
  client_stream(stream_config config, std::uint32_t self);

  /// Client command sequences are world sequences minus this offset.
  void set_sequence_offset(std::uint64_t offset) noexcept { seq_offset_ = offset; }
  /// The next frame will be a reset (a reconnect).
  void reset() noexcept { need_reset_ = true; }

  void observe(const world::world& w, const world::step_report& r);
  /// Appends the frame for w.tick() to `out`.
  void build(const world::world& w, std::string& out);
  /// The client applied the frame of `tick`. False when no such frame was sent.
  bool ack(std::uint64_t tick) noexcept;

  std::uint32_t self() const noexcept { return self_; }
  std::uint64_t last_sent_tick() const noexcept { return last_sent_; }
  const stream_stats& stats() const noexcept { return stats_; }

 private:
  struct known {
    position_history history;
    std::uint64_t last_sent = 0;
  };
  struct pending {
    wire::event_type type;
    std::uint32_t id;
    std::uint64_t seq;
    std::uint8_t reason;
    std::string text;
  };
  void start_reset(const world::world& w, std::vector<wire::event>& events);
  wire::enter_event enter_of(const world::world& w, std::uint32_t id) const;

  stream_config config_;
  std::uint32_t self_;
  std::uint64_t seq_offset_ = 0;
  bool need_reset_ = true;
  std::uint64_t acked_ = 0, reset_tick_ = 0, last_sent_ = 0;
  std::int64_t tokens_ = 0;
  std::unordered_set<std::uint32_t> member_;        // the world's view of self, per the events observed
  std::unordered_map<std::uint32_t, known> known_;  // what the client has been told (and self)
  std::vector<pending> pending_;
  stream_stats stats_;
  std::vector<std::pair<double, std::uint32_t>> ranked_;  // scratch
};

}  // namespace metronome::gateway
