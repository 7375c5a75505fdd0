// WebSocket connections and the event loops they live on, without Beast.
//
// Every connection belongs to one loop (one I/O thread) for its whole life.
// ws_connection methods must be called on that loop's thread; ws handlers are
// called on it. Code on other threads reaches a loop with loop::post().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/net/http.hpp"

namespace metronome::net {

/// A wall-clock timer on a loop. Destroying or cancelling it guarantees the
/// function will not run afterwards.
class timer {
 public:
  virtual ~timer() = default;
  /// Runs fn on the loop at `epoch_ms` (ms since the Unix epoch, absolute:
  /// no drift across re-arms). Replaces a pending wait; the old fn is dropped.
  virtual void expire_at_ms(std::int64_t epoch_ms, std::function<void()> fn) = 0;
  virtual void cancel() = 0;
};

/// One I/O thread's event loop.
class loop {
 public:
  virtual ~loop() = default;
  /// Runs fn on the loop's thread. Safe from any thread.
  virtual void post(std::function<void()> fn) = 0;
  virtual bool in_loop_thread() const noexcept = 0;
  /// A timer bound to this loop (create and use it on the loop's thread).
  virtual std::unique_ptr<timer> make_timer() = 0;
};

/// An outgoing message. The bytes are shared: one encoded tick serves every
/// connection of a session.
/// Close codes the transport itself uses (RFC 6455 7.4.1 and this
/// project's 4002). The application's own codes are listed with it
/// (broadcast/close_codes.hpp) and, all together, in docs/protocol.md.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;            ///< Orderly end.
inline constexpr std::uint16_t going_away = 1001;        ///< The server is shutting down.
inline constexpr std::uint16_t policy_violation = 1008;  ///< Abuse.
inline constexpr std::uint16_t too_big = 1009;           ///< An incoming message over ws_config::max_message_bytes.
inline constexpr std::uint16_t internal_error = 1011;    ///< The application refused the connection.
inline constexpr std::uint16_t try_again_later = 1013;   ///< A dependency is unavailable for now.
inline constexpr std::uint16_t slow_consumer = 4002;     ///< The send queue passed ws_config::max_queue_bytes.
}  // namespace close_code

struct ws_frame {
  /// The payload, or (framed) the whole frame: header and payload.
  std::shared_ptr<const std::string> data;
  bool binary = false;
  /// Nonzero: this frame replaces a queued, not yet written frame with the
  /// same key (latest wins: a slow reader gets the newest tick, not a backlog).
  int coalesce_key = 0;
  /// `data` is already a complete server frame (make_ws_frame): written as
  /// is. Server frames are unmasked, so one frame's bytes serve every
  /// connection.
  bool framed = false;

  /// The message itself, without the header when framed.
  std::string_view payload() const noexcept;
};

/// A complete frame (FIN, unmasked, text or binary) built once, to be sent
/// as is to many connections.
ws_frame make_ws_frame(std::string_view payload, bool binary, int coalesce_key = 0);

class ws_connection {
 public:
  virtual ~ws_connection() = default;
  /// Queues a frame. Past ws_config::max_queue_bytes the connection is closed
  /// with close_code::slow_consumer.
  virtual void send(ws_frame frame) = 0;
  /// Queues a ping control frame (RFC 6455 5.5.2) carrying `payload` (at
  /// most 125 bytes; longer is cut). The peer's pong control frame, which
  /// every browser and WebSocket library sends by itself, reaches
  /// ws_session_handler::on_pong with the same payload. A ping still queued
  /// is replaced by the newer one.
  virtual void ping(std::string_view payload) = 0;
  /// Sends what is queued, then a close frame with `code`. Later sends are dropped.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  virtual net::loop& owner() noexcept = 0;
  /// The negotiated subprotocol ("" when none).
  virtual const std::string& subprotocol() const noexcept = 0;
  virtual const std::string& remote_address() const noexcept = 0;
  virtual std::size_t queued_bytes() const noexcept = 0;
  virtual bool open() const noexcept = 0;
};

/// The application's side of one connection.
class ws_session_handler {
 public:
  virtual ~ws_session_handler() = default;
  virtual void on_message(std::string_view data, bool binary) = 0;
  /// A pong control frame arrived, with its payload (solicited by ping() or
  /// not: RFC 6455 allows unsolicited pongs). Called on the loop's thread.
  virtual void on_pong(std::string_view payload) = 0;
  /// The connection is gone (closed by either side or failed). Last call.
  virtual void on_close() = 0;
};

/// Decides on an upgrade request before the handshake: nullopt accepts it; a
/// response refuses it (sent as is, with Connection: close, then the socket
/// closes). Called on the connection's loop thread.
using ws_accept_fn = std::function<std::optional<response>(const request&)>;

struct ws_config {
  std::string path = "/ws";                           ///< Upgrade requests to this path are WebSocket.
  std::vector<std::string> subprotocols;              ///< Server preference order; the first the client offers wins.
  std::size_t max_message_bytes = 4096;               ///< Larger incoming messages close with 1009. Default 4 KiB.
  std::size_t max_queue_bytes = 256 * 1024;           ///< Hard limit of queued outgoing bytes; past it, close 4002. Default 256 KiB.
  std::chrono::milliseconds write_timeout{10'000};    ///< A write blocked this long closes the connection. Default 10 s.
  std::chrono::milliseconds handshake_timeout{5000};  ///< Opening and closing handshakes. Default 5 s.
  std::chrono::milliseconds idle_timeout{30'000};     ///< No frame from the peer (protocol pings are sent at half). Default 30 s.
  ws_accept_fn accept{};                              ///< Empty: every upgrade to `path` is accepted.
};

/// Called on the connection's loop when a handshake succeeds; returns the
/// connection's handler (nullptr closes it with 1011).
using ws_open_fn = std::function<std::shared_ptr<ws_session_handler>(std::shared_ptr<ws_connection>, const request&)>;

}  // namespace metronome::net
