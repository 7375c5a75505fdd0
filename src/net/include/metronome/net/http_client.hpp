// An asynchronous HTTP/1.1 client on Boost.Beast with per-host keep-alive
// pools and timeouts, for the edge's proxy and the region's registry
// heartbeats. Like the server, it keeps Beast behind plain structs.
//
// Where requests run (client_config::mode):
// - own_threads: on the client's own I/O threads, whoever calls. For callers
//   that have no loop (the region's registry heartbeats).
// - caller_loop: a request made on an http_server I/O thread (inside a
//   handler, or in a callback of this client) runs on that same thread, with
//   that thread's own keep-alive pools: no lock and no thread hop on the way
//   out or back. Requests from any other thread go to the client's own
//   threads, as in own_threads.
// The limits (max_*_per_host) hold per pool set: per client thread, and per
// server thread that used the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"
#include "metronome/net/http.hpp"

namespace metronome::net {

enum class client_mode {
  own_threads,  ///< Every request runs on the client's threads.
  caller_loop,  ///< On the calling http_server I/O thread when there is one (see above).
};

struct client_config {
  std::chrono::milliseconds connect_timeout{1000};  ///< TCP connect (ms). Default 1 s.
  std::chrono::milliseconds request_timeout{5000};  ///< From sending the request to the last response byte. Default 5 s.
  std::chrono::milliseconds idle_timeout{30'000};   ///< A pooled connection unused this long is closed. Default 30 s.
  std::size_t max_idle_per_host = 32;               ///< Pooled keep-alive connections per host:port. Default 32.
  std::size_t max_connections_per_host =
      256;  ///< Open at once per host:port; more requests wait their turn (bounded by max_queued_per_host). Default 256.
  std::size_t max_queued_per_host = 4096;       ///< Waiting requests per host:port; beyond, errc::unavailable at once. Default 4096.
  std::size_t max_response_bytes = 1 << 20;     ///< Larger responses fail with errc::internal. Default 1 MiB.
  unsigned threads = 1;                         ///< I/O threads of the client. Default 1.
  client_mode mode = client_mode::own_threads;  ///< Where requests run. Default own_threads.
};

struct client_request {
  std::string method = "GET";
  std::string host;  ///< IP address or name (resolved on connect).
  std::uint16_t port = 80;
  std::string target = "/";  ///< Path and query.
  header_list headers;       ///< Sent as given; Host and Content-Length are added.
  std::string body;
};

struct client_response {
  unsigned status = 0;
  header_list headers;  ///< Names lower-cased.
  std::string body;
  std::string_view header(std::string_view lower_name) const noexcept;
};

/// How a failed request failed, for callers that retry (the edge):
/// - errc::unavailable: not delivered. The connection could not be made, or a
///   reused keep-alive connection turned out closed and a fresh one failed
///   too. The server cannot have acted on it.
/// - errc::timeout: no complete response within request_timeout (or the
///   connection broke after the request was sent). The server may have acted.
/// - errc::internal: a malformed or oversized response.
using client_callback = std::function<void(result<client_response>)>;

class http_client {
 public:
  explicit http_client(client_config config = {});
  /// Completes every pending request with errc::unavailable and joins threads;
  /// in caller_loop mode also on each server thread that used the client
  /// (there the callbacks run). A server that stops first does the same for
  /// its threads when its in-flight requests have had shutdown_grace. Not
  /// concurrently with that server's destruction.
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends a request. `done` runs exactly once, never inside request(): on a
  /// client thread, or (caller_loop, called on a server thread) on the
  /// calling thread. It must not block. Safe to call from any thread.
  void request(client_request req, client_callback done);

  /// Connections open now (pooled and busy), for metrics and tests.
  std::size_t open_connections() const noexcept;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// Splits "http://host:port" (optional trailing path ignored) into host and
/// port; errc::invalid_argument otherwise. Only http is supported.
result<std::pair<std::string, std::uint16_t>> parse_http_base_url(std::string_view url);

}  // namespace metronome::net
