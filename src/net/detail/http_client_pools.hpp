// The engine of http_client: the keep-alive pools of one thread, on an
// io_context that thread runs. http_client.cpp decides whose thread that is:
// a client thread of its own, or (caller_loop mode) the server I/O thread
// that made the request, where the pools are a loop_service of its worker.
//
// Contract: every member but the constructor runs on the io_context's
// thread. Every asynchronous wait holds a reference to the pools, so they
// outlive whoever owned them until the last handler has run (or the
// io_context is destroyed with the handler still queued).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "detail/worker.hpp"
#include "metronome/net/http_client.hpp"

namespace metronome::net::detail {

struct pending_request {
  client_request req;
  client_callback done;  ///< Empty once called: the exactly-once guard.
  std::chrono::steady_clock::time_point queued_at{};
};

/// Runs and clears `done`. A throwing callback is a caller bug, but it must not
/// unwind through the connection and take every request of this thread along.
void complete_request(client_callback& done, result<client_response> r) noexcept;

/// ASCII case-insensitive equality (header names, URL schemes).
bool ascii_iequals(std::string_view a, std::string_view b) noexcept;

class client_pools final : public loop_service {
 public:
  /// `open` counts the open connections of every pools of one client.
  /// `defer_immediate`: a request that fails inside submit() (invalid, queue
  /// full, stopped) gets its callback from a posted task, never inside
  /// submit() (caller_loop mode: submit() runs inside request()).
  client_pools(const client_config& config, std::shared_ptr<std::atomic<std::size_t>> open, boost::asio::io_context& io,
               bool defer_immediate);
  ~client_pools() override;
  client_pools(const client_pools&) = delete;
  client_pools& operator=(const client_pools&) = delete;

  /// Takes an idle connection, opens one, queues, or fails at once.
  void submit(pending_request p);
  /// Fails everything queued or in flight with errc::unavailable and closes
  /// every socket and timer; later submits fail the same way.
  void stop() noexcept override;

  class state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace metronome::net::detail
