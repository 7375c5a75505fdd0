// Each client is one coroutine on its pool's single-threaded io_context:
// wait for its ramp slot, connect from its source address, WebSocket
// handshake, join, synchronize its clock, then read until closed. Nothing
// here is shared between threads but run_state's atomics, so there are no
// strands and no locks.
//
// Asio does the connects, handshakes and timers. Once upgraded, a socket
// leaves Asio (release()) for the pool's own edge-triggered epoll set,
// which Asio watches as one descriptor: a wake-up costs one epoll_wait for
// a batch of ready sockets, then one recvmsg per socket, into the pool's
// shared buffer (an idle client holds no read buffer). Asio's own wait on a
// socket would add an epoll_ctl per message; its reads cannot return the
// SO_TIMESTAMPNS arrival time, which is what makes a tick's receive time
// the moment the kernel queued it on the socket, not the moment this busy
// thread got round to it: the lag measures the server, not the load
// generator's backlog (reported apart as read_delay). Writes are direct
// non-blocking sends (messages are tiny), queued only if the socket is full.
#include "client_pool.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "clock_sync.hpp"
#include "stamped_recv.hpp"
#include "wire.hpp"
#include "ws_connect.hpp"
#include "ws_frame.hpp"
#include "xorshift.hpp"

namespace metronome::load {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_message = 64 * 1024;  ///< larger server messages are a protocol error here

std::int64_t system_us() { return system_now_us(); }

}  // namespace

namespace detail {

class load_client;

/// What the clients of one pool share; touched only on the pool's thread
/// (but for the atomics in run_state).
struct pool_state {
  pool_state(const load_config& c, const endpoint_url& s, run_state& st) : cfg(c), server(s), state(st) {
    endpoint = tcp::endpoint(asio::ip::make_address_v4(server.host), server.port);
    host_header = server.host + ":" + std::to_string(server.port);
    rng.state ^= static_cast<std::uint64_t>(system_us());
  }

  std::uint64_t random() { return rng.next(); }  // mask keys and handshake keys

  const load_config& cfg;
  const endpoint_url& server;
  run_state& state;
  tcp::endpoint endpoint;
  std::string host_header;
  client_stats stats;
  bool stopping = false;
  xorshift64 rng;
  std::array<char, 64 * 1024> rx{};  ///< every client's reads land here first
  asio::io_context io{1};
  /// The upgraded sockets (edge-triggered, data.ptr = the load_client: a
  /// short read means drained, so a later arrival is a new edge);
  /// owned by `ready_set`, which Asio watches.
  int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  asio::posix::stream_descriptor ready_set{io, epoll_fd};
  int active = 0;                                     ///< clients whose run() has not returned
  std::vector<std::unique_ptr<load_client>> clients;  // declared after io: destroyed before it

  /// Ends the reader once every client is done and the pool is stopping.
  void maybe_finish() {
    if (stopping && active == 0 && ready_set.is_open()) {
      error_code ignored;
      ready_set.close(ignored);
    }
  }
};

/// One connection. Lives (in its pool's vector) until the pool is
/// destroyed, so handlers may capture `this`.
class load_client {
 public:
  load_client(pool_state& pool, int index)
      : pool_(pool), cfg_(pool.cfg), index_(index), sock_(pool.io), watchdog_(pool.io), timer_(pool.io), done_(pool.io) {}

  asio::awaitable<void> run() {
    ++pool_.active;
    co_await session();
    --pool_.active;
    pool_.maybe_finish();
  }

  /// The ready set says fd_ is readable (or writable, or hung up).
  void on_ready(std::uint32_t events) {
    if (fd_ < 0) return;
    if ((events & EPOLLOUT) != 0) flush();
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0 && fd_ >= 0 && !read_available()) finish();
  }

  /// Starts a WebSocket close (1000); the connection ends on the server's
  /// close frame or on EOF (the runner bounds how long that may take).
  void close() {
    timer_.cancel();
    watchdog_.cancel();
    if (fd_ < 0) return drop();  // not upgraded yet: abort the connect or handshake
    if (closing_) return finish();
    closing_ = true;
    const char code[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xFF)};
    send_frame(ws::opcode::close, std::string_view(code, 2));
  }

 private:
  asio::awaitable<void> session() {
    co_await wait_for_ramp_slot();
    if (pool_.stopping) co_return fail("not started");
    arm_watchdog();
    if (auto why = co_await connect(); !why.empty()) {
      drop();
      co_return fail(why);
    }
    error_code ec;
    fd_ = sock_.release(ec);  // from here on the socket is ours (see the file comment)
    if (ec) co_return fail("release: " + ec.message());
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = this;
    if (::epoll_ctl(pool_.epoll_fd, EPOLL_CTL_ADD, fd_, &ev) != 0) {
      ::close(fd_);
      fd_ = -1;
      co_return fail("epoll_ctl failed");
    }
    open_ = true;
    if (cfg_.peer == peer_kind::plain) {
      become_ready();
    } else {
      const auto& ids = cfg_.session_ids;
      send(encode_join(cfg_.protocol, ids[static_cast<std::size_t>(index_) % ids.size()], "load-" + std::to_string(index_)));
    }
    if (!carry_.empty()) {  // frames that came with the handshake's answer
      std::string first = std::move(carry_);
      carry_.clear();
      if (!consume(first, system_us())) finish();
    }
    if (fd_ >= 0) {
      done_.expires_at(steady::time_point::max());
      co_await done_.async_wait(use_tuple);  // until finish()
    }
    if (close_code_ != 0) ++pool_.stats.close_codes[close_code_];
    if (ready_) {
      pool_.state.closed.fetch_add(1, std::memory_order_relaxed);
    } else {
      fail(close_code_ ? "closed before ready: " + std::to_string(close_code_) : (timed_out_ ? "timeout" : "closed before ready"));
    }
  }

  /// Leaves the ready set and closes the socket; session() then returns.
  void finish() {
    open_ = false;
    if (fd_ >= 0) {
      ::epoll_ctl(pool_.epoll_fd, EPOLL_CTL_DEL, fd_, nullptr);
      ::close(fd_);
      fd_ = -1;
    }
    outbox_.clear();
    timer_.cancel();
    watchdog_.cancel();
    done_.cancel();
  }

  std::int64_t client_now_us() const { return system_us() + cfg_.clock_offset_ms * 1000; }

  void drop() {
    error_code ignored;
    sock_.close(ignored);
  }

  asio::awaitable<void> wait_for_ramp_slot() {
    if (cfg_.ramp_per_second <= 0) co_return;
    const auto delay = std::chrono::duration<double>(index_ / cfg_.ramp_per_second);
    timer_.expires_at(pool_.state.start + std::chrono::duration_cast<steady::duration>(delay));
    co_await timer_.async_wait(use_tuple);
  }

  void arm_watchdog() {
    watchdog_.expires_after(std::chrono::milliseconds(cfg_.connect_timeout_ms));
    watchdog_.async_wait([this](error_code ec) {
      if (ec || ready_) return;
      timed_out_ = true;
      drop();  // before the upgrade: aborts the connect or handshake
      finish();
    });
  }

  /// TCP connect from the client's source address, then the WebSocket
  /// handshake. Returns why it failed, or "".
  asio::awaitable<std::string> connect() {
    std::string sub;
    if (cfg_.peer == peer_kind::metronome) sub = cfg_.protocol == wire_protocol::bin ? "metronome.v1.bin" : "metronome.v1.json";
    const auto k = static_cast<unsigned>(index_ % std::max(1, cfg_.source_addresses));
    const ws_target t{pool_.endpoint,    asio::ip::address_v4((127u << 24) | (1u + k)), pool_.host_header,
                      pool_.server.path, ws::make_key(pool_.random(), pool_.random()),  sub};
    std::string why = co_await ws_connect(sock_, t, carry_);
    co_return !why.empty() && timed_out_ ? "timeout" : why;
  }

  /// Reads what the socket holds: one recvmsg, more only if it filled the
  /// buffer. False when the connection is finished (EOF, error, close
  /// frame, protocol error).
  bool read_available() {
    for (;;) {
      std::int64_t arrival_us = 0;
      const ssize_t n = recv_stamped(fd_, pool_.rx.data(), pool_.rx.size(), arrival_us);
      if (n == recv_would_block) return true;
      if (n <= 0) return false;
      if (!consume(std::string_view(pool_.rx.data(), static_cast<std::size_t>(n)), arrival_us)) return false;
      if (static_cast<std::size_t>(n) < pool_.rx.size()) return true;  // drained: anything later is a new edge
    }
  }

  /// Parses whole frames from `data` (after any carried partial frame).
  /// False once the connection is finished (close frame or protocol error).
  bool consume(std::string_view data, std::int64_t arrival_us) {
    std::string_view rest = data;
    if (!carry_.empty()) {
      carry_.append(data);
      rest = carry_;
    }
    bool go_on = true;
    while (go_on) {
      const ws::parse_result r = ws::parse_frame(rest, max_message);
      if (r.error) {
        ++pool_.stats.failures["protocol error"];
        go_on = false;
        break;
      }
      if (r.consumed == 0) break;
      go_on = on_frame(r.f, arrival_us);
      rest.remove_prefix(r.consumed);
    }
    if (!go_on) return false;
    if (rest.empty()) {
      carry_.clear();
    } else if (rest.data() < carry_.data() || rest.data() >= carry_.data() + carry_.size()) {
      carry_.assign(rest);  // a partial frame from the shared buffer
    } else {
      carry_.erase(0, static_cast<std::size_t>(rest.data() - carry_.data()));
    }
    return true;
  }

  bool on_frame(const ws::frame& f, std::int64_t arrival_us) {
    switch (f.op) {
      case ws::opcode::text:
      case ws::opcode::binary:
        if (!f.fin) {
          fragments_.assign(f.payload);
          fragment_text_ = f.op == ws::opcode::text;
          return true;
        }
        on_message(f.op == ws::opcode::text ? decode_json(f.payload) : decode_binary(f.payload), arrival_us);
        return true;
      case ws::opcode::continuation:
        fragments_.append(f.payload);
        if (fragments_.size() > max_message) return false;
        if (f.fin) {
          const std::string whole = std::move(fragments_);
          fragments_.clear();
          on_message(fragment_text_ ? decode_json(whole) : decode_binary(whole), arrival_us);
        }
        return true;
      case ws::opcode::ping: answer_ping(std::string(f.payload)); return true;
      case ws::opcode::pong: return true;
      case ws::opcode::close:
        if (!closing_) {
          close_code_ = ws::close_code(f.payload);
          closing_ = true;
          send_frame(ws::opcode::close, f.payload.substr(0, 2));
        }
        return false;
    }
    return true;
  }

  void on_message(const server_message& m, std::int64_t arrival_us) {
    using enum server_message_type;
    client_stats& s = pool_.stats;
    const bool measuring = pool_.state.measuring.load(std::memory_order_relaxed);
    if (measuring) ++s.frames;
    switch (m.type) {
      case tick:
        if (measuring) record_tick(m, arrival_us);
        break;
      case ping:  // the application-level ping of earlier servers: nothing to answer
        break;
      case pong: on_pong(m, arrival_us + cfg_.clock_offset_ms * 1000); break;
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
        s.server_rtt.record(m.rtt_us);
        break;
      case stopped: ++s.stopped; break;
      case error: ++s.error_messages; break;
      default: break;
    }
  }

  /// lag = arrival time on the server's clock - the tick's scheduled time.
  void record_tick(const server_message& m, std::int64_t arrival_us) {
    client_stats& s = pool_.stats;
    ++s.messages;
    s.read_delay.record(system_us() - arrival_us);
    if (cfg_.peer == peer_kind::plain) {
      // No clock sync with these peers: same machine, so the system clock.
      if (m.server_timestamp) s.lag.record(arrival_us - *m.server_timestamp * 1000);
      return;
    }
    if (!offset_us_ || !m.step || tick_ms_ <= 0) {
      ++s.unsynced_ticks;
      return;
    }
    const std::int64_t scheduled_us = (start_at_ms_ + *m.step * tick_ms_) * 1000;
    s.lag.record(arrival_us + cfg_.clock_offset_ms * 1000 + *offset_us_ - scheduled_us);
    s.system_lag.record(arrival_us - scheduled_us);
  }

  /// The server measures latency with ping control frames: answer with the
  /// same payload, at once or --pong-delay-ms later (a simulated slow link).
  void answer_ping(std::string payload) {
    ++pool_.stats.pongs_sent;
    if (cfg_.pong_delay_ms <= 0) return send_frame(ws::opcode::pong, payload);
    auto timer = std::make_shared<asio::steady_timer>(pool_.io, std::chrono::milliseconds(cfg_.pong_delay_ms));
    timer->async_wait([this, timer, payload = std::move(payload)](error_code ec) {
      if (!ec && open_ && !closing_) send_frame(ws::opcode::pong, payload);
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

  void on_pong(const server_message& m, std::int64_t client_arrival_us) {
    if (offset_us_ || !m.server_timestamp) return;
    for (const auto& p : pings_) {
      if (p.sent_us != 0 && p.sent_ms == m.client_timestamp) {
        sync_.add(p.sent_us, client_arrival_us, *m.server_timestamp);
        pool_.stats.client_rtt.record(client_arrival_us - p.sent_us);
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

  /// A data message in the session's encoding.
  void send(std::string_view message) {
    if (!open_ || closing_) return;
    send_frame(cfg_.protocol == wire_protocol::bin ? ws::opcode::binary : ws::opcode::text, message);
  }

  void send_frame(ws::opcode op, std::string_view payload) {
    if (fd_ < 0) return;
    const bool idle = outbox_.empty();
    ws::append_client_frame(outbox_, op, payload, static_cast<std::uint32_t>(pool_.random()));
    if (idle) flush();
  }

  /// Sends what the socket takes now; if it is full, asks the ready set
  /// for writability (and stops asking once the queue is empty).
  void flush() {
    send_pending(fd_, outbox_);
    const bool want_out = !outbox_.empty();
    if (want_out != watching_out_) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (want_out ? EPOLLOUT : 0u);
      ev.data.ptr = this;
      ::epoll_ctl(pool_.epoll_fd, EPOLL_CTL_MOD, fd_, &ev);
      watching_out_ = want_out;
    }
  }

  struct sent_ping {
    std::int64_t sent_ms = 0;  ///< clientTimestamp sent (client clock, ms)
    std::int64_t sent_us = 0;  ///< the same instant in us
  };

  pool_state& pool_;
  const load_config& cfg_;
  int index_;
  tcp::socket sock_;             ///< until the upgrade
  int fd_ = -1;                  ///< after the upgrade: the socket, in the pool's ready set
  asio::steady_timer watchdog_;  ///< bounds connect + handshake + join
  asio::steady_timer timer_;     ///< ramp slot, then the clock-sync pings
  asio::steady_timer done_;      ///< an event: cancelled by finish()
  std::string carry_;            ///< a partial frame (or the handshake's answer), usually empty
  std::string fragments_;        ///< a fragmented message being reassembled, usually empty
  std::string outbox_;           ///< encoded frames the socket has not taken yet, usually empty
  bool fragment_text_ = false;
  bool watching_out_ = false;
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

namespace {

/// Drains the ready set whenever it is readable: one epoll_wait per batch.
asio::awaitable<void> read_ready(detail::pool_state& p) {
  std::array<epoll_event, 512> events{};
  while (p.ready_set.is_open()) {
    if (auto [ec] = co_await p.ready_set.async_wait(asio::posix::descriptor_base::wait_read, use_tuple); ec) co_return;
    for (;;) {
      const int n = ::epoll_wait(p.epoll_fd, events.data(), static_cast<int>(events.size()), 0);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        const auto& e = events[static_cast<std::size_t>(i)];
        static_cast<detail::load_client*>(e.data.ptr)->on_ready(e.events);
      }
      if (n < static_cast<int>(events.size())) break;
    }
  }
}

}  // namespace

client_pool::client_pool(const load_config& cfg, const endpoint_url& server, run_state& state, std::vector<int> indices)
    : impl_(std::make_unique<impl>(cfg, server, state)) {
  impl_->clients.reserve(indices.size());
  for (int i : indices) {
    auto& c = impl_->clients.emplace_back(std::make_unique<detail::load_client>(*impl_, i));
    asio::co_spawn(impl_->io, c->run(), asio::detached);
  }
  asio::co_spawn(impl_->io, read_ready(*impl_), asio::detached);
}

client_pool::~client_pool() = default;

void client_pool::run() { impl_->io.run(); }

void client_pool::stop() {
  asio::post(impl_->io, [p = impl_.get()] {
    p->stopping = true;
    for (auto& c : p->clients) c->close();
    p->maybe_finish();
  });
}

void client_pool::abort() { impl_->io.stop(); }

const client_stats& client_pool::stats() const { return impl_->stats; }

}  // namespace metronome::load
