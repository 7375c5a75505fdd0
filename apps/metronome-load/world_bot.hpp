// One bot of `metronome-load world` (README.md, "World mode"): everything it
// decides and measures, with the bytes and the times handed in. Pure: no
// I/O, no clock; world_pool.cpp owns the socket and the timers.
//
// The walk: move at a random velocity (|v| between half the speed limit and
// the limit) for 5 to 20 frames, stop, and once the bot's own entity has
// stood still for two frames, start the next leg after a random delay under
// one tick (so commands arrive at every phase of the tick). Each leg started
// from rest while measuring is one input-to-broadcast probe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lag_histogram.hpp"
#include "metronome/gateway/client_view.hpp"
#include "world_check.hpp"
#include "xorshift.hpp"

namespace metronome::load {

/// What the bots of one I/O thread observed; merged after the threads stop.
/// "window" counts are taken inside the measuring window only.
struct world_bot_stats {
  std::uint64_t frames = 0;                             ///< tick frames applied (window)
  std::uint64_t frame_bytes = 0;                        ///< their message bytes (window)
  std::uint64_t updates = 0;                            ///< position updates in them (window)
  std::uint64_t update_bytes = 0;                       ///< bytes of those update records (window)
  std::uint64_t events = 0;                             ///< enter, leave, emote, rejected events (window)
  std::uint64_t resets = 0;                             ///< reset frames (window)
  std::uint64_t commands = 0;                           ///< commands sent (window)
  lag_histogram latency;                                ///< input-to-broadcast (us), probes started in the window
  std::uint64_t probes_lost = 0;                        ///< probes with no frame showing the move within 40 ticks
  std::uint64_t decode_errors = 0;                      ///< server messages wire::decode_server refused (whole run)
  std::uint64_t view_errors = 0;                        ///< frames client_view::apply refused (whole run)
  std::uint64_t comparisons = 0;                        ///< (bot, tick) views checked against the truth
  std::uint64_t entities_checked = 0;                   ///< entities in those views
  std::uint64_t unavailable = 0;                        ///< sampled bots that got no frame for the truth's tick (skipped by latest-wins)
  std::uint64_t mismatches = 0;                         ///< rules broken (world_check::compare)
  std::vector<std::string> first_failures;              ///< the first few mismatches and errors, spelled out
  std::map<std::string, std::uint64_t> error_messages;  ///< server `error` messages by code
  std::map<unsigned, std::uint64_t> rejected;           ///< rejected events by world reason
  std::map<int, std::uint64_t> close_codes;             ///< close codes the server sent
  std::map<std::string, std::uint64_t> failures;        ///< why bots never got a first frame

  void note(std::string what);
  void merge(const world_bot_stats& other);
};

/// One sampled check: bots are armed (they start keeping a ring of their
/// views), then handed the truth; each says when it is done.
struct check_round {
  std::shared_ptr<const world_check::truth> truth;  ///< set before the bots are handed the round
  std::atomic<int> finished{0};
};

class world_bot {
 public:
  world_bot(int index, std::uint64_t seed, world_bot_stats& stats);

  struct outcome {
    bool ok = true;                ///< false: the stream is unusable, close the connection
    std::int64_t walk_in_us = -1;  ///< >= 0: call on_walk after this long
  };
  /// One binary message from the server that arrived at `arrival_us`
  /// (system clock). Client messages to send are appended to `out`.
  outcome on_message(std::string_view payload, std::int64_t arrival_us, bool measuring, std::vector<std::string>& out);
  /// The walk delay asked for by on_message has passed; now_us on the system clock.
  void on_walk(std::int64_t now_us, bool measuring, std::vector<std::string>& out);

  /// Before the walk, move (at the speed limit) to a random point of the disc
  /// of this radius (fixed-point units) around the origin, where every
  /// player joins; 0: walk from where the bot joined.
  void set_spread(std::int32_t radius) noexcept { spread_ = radius; }

  /// Starts keeping views for `round` (its truth comes later).
  void arm(std::shared_ptr<check_round> round);
  /// The round's truth is set: compare as soon as the view reaches its tick.
  void check();
  /// The connection ended: an armed round is finished unchecked.
  void abandon();

  bool welcomed() const noexcept { return welcomed_; }
  bool framed() const noexcept { return view_.tick() != 0; }
  int index() const noexcept { return index_; }

 private:
  struct probe {
    std::int64_t sent_us = 0;
    std::uint64_t after_tick = 0;
    gateway::qpos rest;
    std::int32_t vx = 0, vy = 0;
  };
  enum class phase : std::uint8_t { moving, stopping };

  std::uint64_t random();
  void command(const gateway::wire::command_msg& c, bool measuring, std::vector<std::string>& out);
  std::int64_t walk(const std::optional<gateway::qpos>& me);
  void start_spread(bool measuring, std::vector<std::string>& out);
  void measure(const gateway::wire::frame_msg& f, std::int64_t arrival_us, bool measuring);
  void try_check();
  void finish_round();

  int index_;
  xorshift64 rng_;  ///< the walk
  world_bot_stats& stats_;
  gateway::client_view view_;
  bool welcomed_ = false;
  std::uint32_t self_ = 0;
  std::int32_t max_speed_ = 0;
  std::int64_t tick_us_ = 50'000;
  std::uint64_t seq_ = 0;
  phase phase_ = phase::stopping;
  int frames_in_phase_ = 0, leg_ = 0, still_ = 0;
  int stop_cap_ = 40;  ///< frames of stopping after which the next leg starts anyway
  std::int32_t spread_ = 0, half_ = 0;
  bool spread_sent_ = false;
  bool walk_pending_ = false;
  std::optional<gateway::qpos> last_pos_;
  std::optional<probe> probe_;
  std::shared_ptr<check_round> round_;
  bool has_truth_ = false;
  std::deque<world_check::view_snapshot> ring_;
};

}  // namespace metronome::load
