// An HTTP/1.1 server on Boost.Beast: keep-alive, limits, timeouts, graceful
// shutdown. Beast stays behind this header: users see only http.hpp types.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "metronome/core/result.hpp"
#include "metronome/net/http.hpp"
#include "metronome/net/websocket.hpp"

namespace metronome::net {

struct server_config {
  std::string host = "127.0.0.1";                     ///< Address to listen on.
  std::uint16_t port = 8080;                          ///< 0 picks a free port (see http_server::port()).
  unsigned threads = 0;                               ///< I/O threads; 0 = number of cores.
  std::size_t body_limit = 64 * 1024;                 ///< Request body bytes; larger gets 413. Default 64 KiB.
  std::size_t header_limit = 8 * 1024;                ///< Request line + header bytes; larger gets 431. Default 8 KiB.
  std::chrono::milliseconds read_timeout{10'000};     ///< From a request's first byte to its last. Default 10 s.
  std::chrono::milliseconds idle_timeout{30'000};     ///< Keep-alive wait for the next request. Default 30 s.
  std::chrono::milliseconds write_timeout{10'000};    ///< To write one response. Default 10 s.
  std::chrono::milliseconds handler_timeout{15'000};  ///< A handler that has not replied by then gets 504. Default 15 s.
  std::size_t max_connections = 10'000;               ///< Open connections; more are accepted and closed at once. Default 10,000.
  std::size_t max_requests_per_connection = 100'000;  ///< Then the connection is closed after its response. Default 100,000.
  std::chrono::milliseconds shutdown_grace{5'000};    ///< stop(): in-flight requests get this long. Default 5 s.
};

class http_server {
 public:
  http_server(server_config config, handler on_request, exchange_observer on_exchange = {});
  ~http_server();  ///< Calls stop().
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Serves WebSocket upgrades at config.path. Call before start().
  void set_websocket(ws_config config, ws_open_fn on_open);

  /// Binds and starts the I/O threads. errc::unavailable if the address is in use.
  result<void> start();

  /// The bound port (after start()).
  std::uint16_t port() const noexcept;

  /// Graceful: stop accepting, close idle connections, let in-flight requests
  /// finish (up to shutdown_grace), then close everything and join threads.
  /// ws_connection handles the application still holds stay valid (their
  /// sockets are closed) until this server is destroyed; release them first.
  void stop();

  /// Connections open now.
  std::size_t connection_count() const noexcept;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace metronome::net
