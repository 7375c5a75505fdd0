// The server's lifecycle: one worker per I/O thread. One acceptor (plain
// SO_REUSEADDR: a port already in use fails start(), as it should; with
// SO_REUSEPORT a second process could silently share the port) hands each
// accepted socket to the workers in turn. Graceful stop in the order accept ->
// idle -> in-flight.
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "detail/worker.hpp"
#include "metronome/net/server.hpp"

namespace metronome::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class http_server::impl {
 public:
  impl(server_config config, handler on_request, exchange_observer on_exchange) : shared_(std::make_shared<detail::shared_config>()) {
    if (config.threads == 0) config.threads = std::max(1u, std::thread::hardware_concurrency());
    shared_->config = std::move(config);
    shared_->on_request = std::move(on_request);
    shared_->on_exchange = std::move(on_exchange);
  }

  void set_websocket(ws_config config, ws_open_fn on_open) {
    shared_->websocket = std::move(config);
    shared_->on_ws_open = std::move(on_open);
  }

  result<void> start() {
    const server_config& cfg = shared_->config;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(cfg.host, ec);
    if (ec) return make_error(errc::invalid_argument, "bad listen address '" + cfg.host + "'");
    for (unsigned i = 0; i < cfg.threads; ++i) workers_.push_back(std::make_unique<detail::worker>(shared_));
    detail::worker& first = *workers_.front();
    const tcp::endpoint ep(address, cfg.port);
    first.acceptor_.open(ep.protocol(), ec);
    if (!ec) first.acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) first.acceptor_.bind(ep, ec);
    if (!ec) first.acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      workers_.clear();
      return make_error(errc::unavailable, "cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) + ": " + ec.message());
    }
    port_ = first.acceptor_.local_endpoint().port();
    asio::co_spawn(first.io_, accept_loop(first), asio::detached);
    for (auto& w : workers_) {
      w->thread_ = std::thread([&w = *w] {
        w.loop_.set_thread(std::this_thread::get_id());
        detail::current_worker = &w;
        w.io_.run();
        detail::current_worker = nullptr;
      });
    }
    return {};
  }

  void stop() {
    if (workers_.empty() || shared_->draining.exchange(true)) return;
    // 1. Stop accepting; close connections waiting for a request.
    for (auto& w : workers_) {
      asio::post(w->io_, [&w = *w] {
        boost::system::error_code ignored;
        w.acceptor_.close(ignored);
        for (auto* slot : w.slots_) {
          if (slot->on_stop) {
            slot->on_stop(*slot);
          } else if (!slot->busy) {
            slot->socket->close(ignored);
          }
        }
      });
    }
    // 2. In-flight requests finish (their sessions then end, since draining).
    const auto deadline = std::chrono::steady_clock::now() + shared_->config.shutdown_grace;
    while (shared_->connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // 3. Whatever is left is cut off, and the loop services (the pools of
    // clients running on these threads) fail what they still have.
    for (auto& w : workers_) {
      asio::post(w->io_, [&w = *w] {
        boost::system::error_code ignored;
        for (auto* slot : w.slots_) slot->socket->close(ignored);
        stop_services(w);
      });
    }
    for (auto& w : workers_) {
      // Sessions unwind on their own after their sockets close; give them a
      // moment, then stop the loop regardless.
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      while ((!w->slots_.empty() || !w->cut_.load(std::memory_order_acquire)) && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      w->io_.stop();
      if (w->thread_.joinable()) w->thread_.join();
      w->joined_.store(true, std::memory_order_release);
      // A thread too busy to run step 3 in time: its thread is gone now, so
      // this one may stop what the loop services still hold.
      if (!w->services_stopped_) stop_services(*w);
    }
    // The workers themselves (io_context, slots) stay until the server is
    // destroyed: the application may still hold ws_connection handles, and
    // releasing one erases its slot and closes its socket on that worker.
  }

  /// On w's thread (or once it has ended): the loop services fail what they
  /// still have; none is made afterwards.
  static void stop_services(detail::worker& w) {
    w.services_stopped_ = true;
    const auto services = w.services_;  // a stop() may complete callbacks that call back in
    for (const auto& [id, service] : services) service->stop();
    w.cut_.store(true, std::memory_order_release);
  }

  std::uint16_t port() const noexcept { return port_; }
  std::size_t connection_count() const noexcept { return shared_->connections.load(); }

 private:
  asio::awaitable<void> accept_loop(detail::worker& w) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await w.acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !w.acceptor_.is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      if (shared_->connections.fetch_add(1) >= shared_->config.max_connections) {
        shared_->connections.fetch_sub(1);
        socket.close(ec);  // over the limit: refuse at once rather than queue
        continue;
      }
      detail::worker& target = *workers_[next_worker_++ % workers_.size()];
      if (&target == &w) {
        detail::start_http_session(w, std::move(socket));
        continue;
      }
      // Another thread's io_context takes the descriptor over.
      const auto protocol = socket.local_endpoint(ec).protocol();
      const auto fd = socket.release(ec);
      if (ec) {
        shared_->connections.fetch_sub(1);
        continue;
      }
      asio::post(target.io_, [&target, protocol, fd] {
        boost::system::error_code adopt_ec;
        tcp::socket adopted(target.io_);
        adopted.assign(protocol, fd, adopt_ec);
        if (adopt_ec) {
          ::close(fd);
          target.shared_->connections.fetch_sub(1);
          return;
        }
        detail::start_http_session(target, std::move(adopted));
      });
    }
  }

  std::shared_ptr<detail::shared_config> shared_;
  std::vector<std::unique_ptr<detail::worker>> workers_;
  std::uint16_t port_ = 0;
  std::size_t next_worker_ = 0;  ///< Round-robin cursor; touched only by the accepting thread.
};

http_server::http_server(server_config config, handler on_request, exchange_observer on_exchange)
    : impl_(std::make_unique<impl>(std::move(config), std::move(on_request), std::move(on_exchange))) {}

http_server::~http_server() { stop(); }

result<void> http_server::start() { return impl_->start(); }
void http_server::set_websocket(ws_config config, ws_open_fn on_open) { impl_->set_websocket(std::move(config), std::move(on_open)); }
std::uint16_t http_server::port() const noexcept { return impl_->port(); }
void http_server::stop() { impl_->stop(); }
std::size_t http_server::connection_count() const noexcept { return impl_->connection_count(); }

}  // namespace metronome::net
