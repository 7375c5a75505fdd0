// A net::loop for unit tests, driven by a manual_clock: posted functions and
// timers run only when the test says so, in time order, on the test's
// thread. No sockets, no threads, no sleeps. With it, a fake WebSocket
// connection that records what the application sends.
//
//   manual_clock clk(1'000'000);
//   fake_loop loop(clk);
//   ... arm timers, post work ...
//   loop.advance_ms(1500);  // runs everything due in the next 1.5 s, in order
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metronome/core/clock.hpp"
#include "metronome/net/websocket.hpp"

namespace metronome::test {

class fake_loop final : public net::loop {
 public:
  explicit fake_loop(manual_clock& clk) : clock_(clk) {}

  void post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }
  bool in_loop_thread() const noexcept override { return true; }
  std::unique_ptr<net::timer> make_timer() override;

  /// Runs posted functions (and what they post) and timers due at the
  /// clock's current time, until none is left. Returns how many ran.
  std::size_t run_ready();
  /// Moves the clock forward by `ms`, stopping at every timer due on the
  /// way (the clock reads the timer's time while it runs). Returns how many
  /// functions ran.
  std::size_t advance_ms(std::int64_t ms);
  /// Timers armed and not yet run or cancelled.
  std::size_t armed_timers() const;

  manual_clock& clock() noexcept { return clock_; }

 private:
  struct slot {
    std::int64_t at_ms = 0;
    std::uint64_t order = 0;  ///< Arming order: equal times run first-armed first.
    std::function<void()> fn;
    bool armed = false;
  };
  class fake_timer;

  /// The earliest armed slot due at or before `limit_ms`, or nullptr.
  std::shared_ptr<slot> next_due(std::int64_t limit_ms) const;

  manual_clock& clock_;
  std::deque<std::function<void()>> posted_;
  std::vector<std::weak_ptr<slot>> slots_;
  std::uint64_t arms_ = 0;
};

/// A WebSocket connection that records frames, pings and the close; the
/// test plays the peer with deliver(), pong() and finish().
class fake_ws_connection final : public net::ws_connection {
 public:
  explicit fake_ws_connection(net::loop& l, std::string subprotocol = "", std::string remote = "127.0.0.1")
      : loop_(l), subprotocol_(std::move(subprotocol)), remote_(std::move(remote)) {}

  void send(net::ws_frame frame) override;
  void ping(std::string_view payload) override;
  void close(std::uint16_t code, std::string_view reason) override;
  net::loop& owner() noexcept override { return loop_; }
  const std::string& subprotocol() const noexcept override { return subprotocol_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t queued_bytes() const noexcept override { return 0; }
  bool open() const noexcept override { return open_ && close_code_ == 0; }

  /// The peer: the application's handler receives a message, a pong, or the end.
  void attach(std::shared_ptr<net::ws_session_handler> h) { handler_ = std::move(h); }
  void deliver(std::string_view data, bool binary = false);
  void pong(std::string_view payload);
  /// The connection is gone (the close handshake finished, or the peer
  /// vanished): the handler's on_close runs, once.
  void finish();

  /// Every frame sent, in order (whole frames too: read them with payload()).
  const std::vector<net::ws_frame>& frames() const noexcept { return frames_; }
  /// The payloads of the frames whose text contains `needle`.
  std::vector<std::string> frames_containing(std::string_view needle) const;
  const std::vector<std::string>& pings() const noexcept { return pings_; }
  std::uint16_t close_code() const noexcept { return close_code_; }
  const std::string& close_reason() const noexcept { return close_reason_; }

 private:
  net::loop& loop_;
  std::string subprotocol_, remote_;
  std::shared_ptr<net::ws_session_handler> handler_;
  std::vector<net::ws_frame> frames_;
  std::vector<std::string> pings_;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  bool open_ = true;
};

}  // namespace metronome::test
