// One I/O thread of the server: its own io_context (single-threaded, so no
// strands) and the connections it owns. Only the first worker listens: its
// acceptor hands each accepted socket to the workers in turn (server.cpp; no
// SO_REUSEPORT). Everything here is touched only from the worker's thread,
// except where noted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "detail/loop_impl.hpp"
#include "metronome/net/server.hpp"

namespace metronome::net::detail {

/// A connection as the worker sees it, for shutdown.
struct connection_slot {
  boost::asio::ip::tcp::socket* socket = nullptr;
  bool busy = false;  ///< A request is being read to its end, handled or answered.
  /// Set: stop() calls it instead of closing the socket (an open WebSocket
  /// starts its closing handshake with 1001). It must not end the
  /// connection synchronously (stop() is iterating the slots).
  void (*on_stop)(connection_slot&) = nullptr;
};

/// The worker's open connections (HTTP and WebSocket sessions register
/// themselves for their lifetime). insert, erase and iteration: the worker's
/// thread only. empty() and size(): any thread (stop() polls them while
/// sessions come and go).
class connection_slots {
 public:
  void insert(connection_slot* s) {
    set_.insert(s);
    count_.store(set_.size(), std::memory_order_release);
  }
  void erase(connection_slot* s) {
    set_.erase(s);
    count_.store(set_.size(), std::memory_order_release);
  }
  std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }
  bool empty() const noexcept { return size() == 0; }
  auto begin() const { return set_.begin(); }
  auto end() const { return set_.end(); }

 private:
  std::unordered_set<connection_slot*> set_;
  std::atomic<std::size_t> count_{0};
};

/// Per-thread state another component keeps on a worker's io_context (the
/// pools of an http_client in caller_loop mode). Created and used on the
/// worker's thread.
class loop_service {
 public:
  virtual ~loop_service() = default;
  /// On the worker's thread, while its loop still runs, when the server
  /// stops (after in-flight requests had shutdown_grace) or when the owner
  /// detaches: complete what is pending and close every socket and timer.
  virtual void stop() noexcept = 0;
};

/// Unique across the process: the key of an owner's service on a worker.
inline std::uint64_t next_loop_service_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

struct shared_config {
  server_config config;
  handler on_request;
  exchange_observer on_exchange;
  std::atomic<std::size_t> connections{0};  ///< All workers; any thread.
  std::atomic<bool> draining{false};        ///< stop() began; any thread.
  ws_config websocket;                      ///< Used when on_ws_open is set.
  ws_open_fn on_ws_open;
};

struct worker {
  explicit worker(std::shared_ptr<shared_config> shared) : shared_(std::move(shared)), acceptor_(io_) {}

  std::shared_ptr<shared_config> shared_;
  /// Before io_: sessions still owned by the io_context's pending handlers
  /// erase themselves from it when io_ is destroyed.
  connection_slots slots_;
  boost::asio::io_context io_{1};
  /// Keeps run() going on workers with nothing to do yet (only the first one
  /// accepts; the others wait for sockets handed to them). Reset by stop().
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  loop_impl loop_{io_};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  /// After io_ (so destroyed before it): loop services by owner id. The
  /// worker's thread only; any thread once joined_ is set.
  std::vector<std::pair<std::uint64_t, std::shared_ptr<loop_service>>> services_;
  bool services_stopped_ = false;    ///< stop() has stopped them; no new one is made. Same rule as services_.
  std::atomic<bool> cut_{false};     ///< stop()'s last step ran on the thread (services stopped).
  std::atomic<bool> joined_{false};  ///< The thread has ended (set by stop() after join).
};

/// The worker whose thread this is (set for the thread's life), else null:
/// how a handler's own I/O thread is found without passing it around.
inline thread_local worker* current_worker = nullptr;

/// Runs one connection to its end. Defined in http_session.cpp.
void start_http_session(worker& w, boost::asio::ip::tcp::socket socket);

}  // namespace metronome::net::detail
