// Each client is one coroutine on its pool's single-threaded io_context:
// wait for its ramp slot, connect from its source address, WebSocket
// handshake, join, synchronize its clock, then read until closed. Nothing
// here is shared between threads but run_state's atomics, so there are no
// strands and no locks.
#include "client_pool.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "clock_sync.hpp"
#include "wire.hpp"

namespace metronome::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::int64_t system_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace detail {

class load_client;

/// What the clients of one pool share; touched only on the pool's thread
/// (but for the atomics in run_state).
struct pool_state {
  pool_state(const load_config& c, const endpoint_url& s, run_state& st) : cfg(c), server(s), state(st) {
    endpoint = tcp::endpoint(asio::ip::make_address_v4(server.host), server.port);
    host_header = server.host + ":" + std::to_string(server.port);
  }

  const load_config& cfg;
  const endpoint_url& server;
  run_state& state;
  tcp::endpoint endpoint;
  std::string host_header;
  client_stats stats;
  bool stopping = false;
  asio::io_context io{1};
  std::vector<std::unique_ptr<load_client>> clients;  // declared after io: destroyed before it
};

/// One connection. Lives (in its pool's vector) until the pool is
/// destroyed, so handlers may capture `this`.
class load_client {
 public:
  load_client(pool_state& pool, int index)
      : pool_(pool), cfg_(pool.cfg), index_(index), ws_(pool.io), watchdog_(pool.io), timer_(pool.io) {}

  asio::awaitable<void> run() {
    co_await wait_for_ramp_slot();
    if (pool_.stopping) co_return fail("not started");
    arm_watchdog();
    if (auto why = co_await connect(); !why.empty()) co_return fail(why);
    open_ = true;
    if (cfg_.peer == peer_kind::plain) {
      become_ready();
    } else {
      const auto& ids = cfg_.session_ids;
      send(encode_join(cfg_.protocol, ids[static_cast<std::size_t>(index_) % ids.size()], "load-" + std::to_string(index_)));
    }
    co_await read_loop();
    open_ = false;
    if (close_code_ != 0) ++pool_.stats.close_codes[close_code_];
    watchdog_.cancel();
    timer_.cancel();
    if (ready_) {
      pool_.state.closed.fetch_add(1, std::memory_order_relaxed);
    } else {
      fail(close_code_ ? "closed before ready: " + std::to_string(close_code_) : (timed_out_ ? "timeout" : "read failed before ready"));
    }
  }

  /// Starts a WebSocket close (1000); the read loop then ends.
  void close() {
    timer_.cancel();
    watchdog_.cancel();
    if (!open_ || closing_) {
      beast::error_code ignored;
      ws_.next_layer().close(ignored);  // not connected yet (or stuck): just drop the socket
      return;
    }
    closing_ = true;
    ws_.async_close(websocket::close_code::normal, [](beast::error_code) {});
  }

 private:
  std::int64_t client_now_us() const { return system_us() + cfg_.clock_offset_ms * 1000; }

  asio::awaitable<void> wait_for_ramp_slot() {
    if (cfg_.ramp_per_second <= 0) co_return;
    const auto delay = std::chrono::duration<double>(index_ / cfg_.ramp_per_second);
    timer_.expires_at(pool_.state.start + std::chrono::duration_cast<steady::duration>(delay));
    co_await timer_.async_wait(use_tuple);
  }

  void arm_watchdog() {
    watchdog_.expires_after(std::chrono::milliseconds(cfg_.connect_timeout_ms));
    watchdog_.async_wait([this](beast::error_code ec) {
      if (ec || ready_) return;
      timed_out_ = true;
      beast::error_code ignored;
      ws_.next_layer().close(ignored);
    });
  }

  /// TCP connect from the client's source address, then the WebSocket
  /// handshake. Returns why it failed, or "".
  asio::awaitable<std::string> connect() {
    auto& sock = ws_.next_layer();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (ec) co_return "socket: " + ec.message();
    // Let connect() pick the source port per destination, so that the same
    // port can serve several (source, destination) pairs.
    const int one = 1;
    ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    const auto k = static_cast<unsigned>(index_ % std::max(1, cfg_.source_addresses));
    const asio::ip::address_v4 source((127u << 24) | (1u + k));
    sock.bind(tcp::endpoint(source, 0), ec);
    if (ec) co_return "bind " + source.to_string() + ": " + ec.message();
    auto [cec] = co_await sock.async_connect(pool_.endpoint, use_tuple);
    if (cec) co_return timed_out_ ? "timeout" : "connect: " + cec.message();
    sock.set_option(tcp::no_delay(true), ec);

    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::milliseconds(cfg_.connect_timeout_ms);  // also bounds the closing handshake
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    if (cfg_.peer == peer_kind::metronome) {
      const char* sub = cfg_.protocol == wire_protocol::bin ? "metronome.v1.bin" : "metronome.v1.json";
      ws_.set_option(websocket::stream_base::decorator(
          [sub](websocket::request_type& req) { req.set(beast::http::field::sec_websocket_protocol, sub); }));
    }
    ws_.read_message_max(64 * 1024);
    ws_.auto_fragment(false);
    auto [hec] = co_await ws_.async_handshake(pool_.host_header, pool_.server.path, use_tuple);
    if (hec) co_return timed_out_ ? "timeout" : "handshake: " + hec.message();
    ws_.binary(cfg_.protocol == wire_protocol::bin);
    co_return "";
  }

  asio::awaitable<void> read_loop() {
    for (;;) {
      buffer_.consume(buffer_.size());
      auto [ec, n] = co_await ws_.async_read(buffer_, use_tuple);
      if (ec) {
        if (ec == websocket::error::closed && !closing_) close_code_ = ws_.reason().code;
        co_return;
      }
      const std::int64_t now_us = system_us();
      const auto data = buffer_.cdata();
      const std::string_view frame(static_cast<const char*>(data.data()), data.size());
      on_message(ws_.got_text() ? decode_json(frame) : decode_binary(frame), now_us);
    }
  }

  void on_message(const server_message& m, std::int64_t now_us) {
    using enum server_message_type;
    client_stats& s = pool_.stats;
    const bool measuring = pool_.state.measuring.load(std::memory_order_relaxed);
    if (measuring) ++s.frames;
    switch (m.type) {
      case tick:
        if (measuring) record_tick(m, now_us);
        break;
      case ping:
        echo_ping(m);
        break;
      case pong:
        on_pong(m, now_us + cfg_.clock_offset_ms * 1000);
        break;
      case session_joined:
        start_at_ms_ = m.start_at_ms;
        tick_ms_ = m.tick_ms;
        become_ready();
        asio::co_spawn(pool_.io, synchronize(), asio::detached);
        break;
      case kicked:
        ++s.kicked;
        ++s.kick_reasons[std::string(m.reason)];
        break;
      case latency_status:
        if (m.warning) ++s.warnings;
        break;
      case stopped:
        ++s.stopped;
        break;
      case error:
        ++s.error_messages;
        break;
      default:
        break;
    }
  }

  /// lag = receive time on the server's clock - the tick's scheduled time.
  void record_tick(const server_message& m, std::int64_t now_us) {
    client_stats& s = pool_.stats;
    ++s.messages;
    if (cfg_.peer == peer_kind::plain) {
      // No clock sync with these peers: same machine, so the system clock.
      if (m.server_timestamp) s.lag.record(now_us - *m.server_timestamp * 1000);
      return;
    }
    if (!offset_us_ || !m.step || tick_ms_ <= 0) {
      ++s.unsynced_ticks;
      return;
    }
    const std::int64_t server_now_us = now_us + cfg_.clock_offset_ms * 1000 + *offset_us_;
    s.lag.record(server_now_us - (start_at_ms_ + *m.step * tick_ms_) * 1000);
  }

  void echo_ping(const server_message& m) {
    std::string reply = encode_pong(cfg_.protocol, m.seq, m.server_timestamp.value_or(0));
    ++pool_.stats.pongs_sent;
    if (cfg_.pong_delay_ms <= 0) return send(std::move(reply));
    auto timer = std::make_shared<asio::steady_timer>(pool_.io, std::chrono::milliseconds(cfg_.pong_delay_ms));
    timer->async_wait([this, timer, reply = std::move(reply)](beast::error_code ec) mutable {
      if (!ec && open_ && !closing_) send(std::move(reply));
    });
  }

  /// docs/protocol.md "Clock synchronization": 8 pings 100 ms apart.
  asio::awaitable<void> synchronize() {
    for (std::size_t k = 0; k < pings_.size(); ++k) {
      if (!open_ || closing_) co_return;
      const std::int64_t t0 = client_now_us();
      pings_[k] = {t0 / 1000, t0};
      send(encode_ping(cfg_.protocol, t0 / 1000));
      timer_.expires_after(std::chrono::milliseconds(100));
      if (auto [ec] = co_await timer_.async_wait(use_tuple); ec) co_return;
    }
    // Pongs still missing after a second are lost: settle with what we have.
    timer_.expires_after(std::chrono::seconds(1));
    if (auto [ec] = co_await timer_.async_wait(use_tuple); ec) co_return;
    if (!offset_us_ && sync_.samples() > 0) settle_offset();
  }

  void on_pong(const server_message& m, std::int64_t client_now) {
    if (offset_us_ || !m.server_timestamp) return;
    for (const auto& p : pings_) {
      if (p.sent_us != 0 && p.sent_ms == m.client_timestamp) {
        sync_.add(p.sent_us, client_now, *m.server_timestamp);
        break;
      }
    }
    if (sync_.complete()) settle_offset();
  }

  void settle_offset() {
    offset_us_ = sync_.offset_us();
    if (offset_us_) pool_.stats.offset_estimates_us.push_back(*offset_us_);
  }

  void become_ready() {
    if (ready_) return;
    ready_ = true;
    watchdog_.cancel();
    pool_.state.ready.fetch_add(1, std::memory_order_relaxed);
  }

  void fail(const std::string& why) {
    ++pool_.stats.failures[why];
    pool_.state.failed.fetch_add(1, std::memory_order_relaxed);
  }

  void send(std::string message) {
    if (!open_ || closing_) return;
    outbox_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(pool_.io, write_loop(), asio::detached);
    }
  }

  asio::awaitable<void> write_loop() {
    std::size_t next = 0;
    while (next < outbox_.size() && open_ && !closing_) {
      auto [ec, n] = co_await ws_.async_write(asio::buffer(outbox_[next]), use_tuple);
      if (ec) break;
      ++next;
    }
    outbox_.clear();
    writing_ = false;
  }

  struct sent_ping {
    std::int64_t sent_ms = 0;  ///< clientTimestamp sent (client clock, ms)
    std::int64_t sent_us = 0;  ///< the same instant in us
  };

  pool_state& pool_;
  const load_config& cfg_;
  int index_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  asio::steady_timer watchdog_;  ///< bounds connect + handshake + join
  asio::steady_timer timer_;     ///< ramp slot, then the clock-sync pings
  std::vector<std::string> outbox_;
  bool writing_ = false;
  bool open_ = false;
  bool closing_ = false;
  bool ready_ = false;
  bool timed_out_ = false;
  int close_code_ = 0;
  clock_offset_estimator sync_;
  std::array<sent_ping, clock_offset_estimator::samples_wanted> pings_{};
  std::optional<std::int64_t> offset_us_;
  std::int64_t start_at_ms_ = 0;
  std::int64_t tick_ms_ = 0;
};

}  // namespace detail

struct client_pool::impl : detail::pool_state {
  using pool_state::pool_state;
};

client_pool::client_pool(const load_config& cfg, const endpoint_url& server, run_state& state, std::vector<int> indices)
    : impl_(std::make_unique<impl>(cfg, server, state)) {
  impl_->clients.reserve(indices.size());
  for (int i : indices) {
    auto& c = impl_->clients.emplace_back(std::make_unique<detail::load_client>(*impl_, i));
    asio::co_spawn(impl_->io, c->run(), asio::detached);
  }
}

client_pool::~client_pool() = default;

void client_pool::run() { impl_->io.run(); }

void client_pool::stop() {
  asio::post(impl_->io, [p = impl_.get()] {
    p->stopping = true;
    for (auto& c : p->clients) c->close();
  });
}

void client_pool::abort() { impl_->io.stop(); }

const client_stats& client_pool::stats() const { return impl_->stats; }

}  // namespace metronome::load
