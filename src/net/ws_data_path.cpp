// One WebSocket connection after its handshake, on the raw socket.
//
// Writing (as uWebSockets "corks"): send() only appends a reference to a
// shared frame to the connection's queue and marks the connection dirty;
// once per loop turn (a task posted when the first connection of the turn
// gets dirty) every dirty connection writes all it has with one writev,
// non-blocking. Only what the kernel does not take stays queued, and then
// the connection waits for writability. Server frames are unmasked, so a
// frame built once (make_ws_frame: header + payload) is written as is to
// every connection; a frame given as a bare payload gets its header from a
// 10-byte buffer in its queue entry. The steady path allocates nothing: the
// queue's storage is kept, entries hold shared_ptr copies.
//
// Reading: a readiness wait; on wake-up, recv into a per-thread 64 KiB
// buffer and parse whole frames in place (unmasking there); only a partial
// frame's bytes are kept per connection, and the pieces of a fragmented
// message. Pings are answered, pongs go to the handler. A text message that
// is not UTF-8 closes with 1007, a malformed close frame with 1002 (or 1007
// for its reason), as RFC 6455 requires.
//
// Deadlines without a timer per connection: a per-thread sweep once a
// second sends a keep-alive ping to a peer silent for half of idle_timeout,
// and closes connections whose write has been blocked for write_timeout,
// that have sent nothing for idle_timeout, or whose closing handshake has
// not finished within handshake_timeout.
//
// Shutdown: the connection's slot has on_stop, so http_server::stop()
// starts a closing handshake with 1001 (going away) instead of cutting the
// socket, whether or not the application ever closed it; the connection
// ends when the peer answers (or after handshake_timeout), and stop() waits
// for that within its grace period.
//
// Every connection belongs to its worker's thread; nothing here is shared
// across threads.
#include "detail/ws_data_path.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <unordered_set>
#include <vector>

#include "detail/ws_wire.hpp"

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::int64_t to_us(std::chrono::milliseconds ms) { return std::int64_t{ms.count()} * 1000; }

class ws_conn;

/// What a worker thread shares among its connections. An io_context
/// service, so that it lives exactly as long as the loop: it is shut down
/// (letting go of queued connections) before the loop's pending handlers are
/// destroyed, and destroyed after them.
class thread_state final : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  explicit thread_state(asio::io_context& io) : asio::io_context::service(io), io_(io), sweep(io) {}
  void shutdown() override {
    dirty.clear();
    sweep.cancel();
  }

  asio::io_context& io_;
  std::vector<std::shared_ptr<ws_conn>> dirty;  ///< to flush this loop turn
  bool flush_posted = false;
  std::unordered_set<ws_conn*> all;  ///< for the sweep
  asio::steady_timer sweep;
  bool sweeping = false;
  char scratch[64 * 1024];  ///< receive buffer
};

asio::io_context::id thread_state::id;

/// Once a second while the thread has connections: their deadlines.
void arm_sweep(thread_state& st);

thread_state& state_of(asio::io_context& io) { return asio::use_service<thread_state>(io); }

class ws_conn final : public ws_connection, public std::enable_shared_from_this<ws_conn> {
 public:
  ws_conn(worker& w, tcp::socket socket, std::string subprotocol, std::string remote)
      : worker_(w),
        st_(state_of(w.io_)),
        socket_(std::move(socket)),
        subprotocol_(std::move(subprotocol)),
        remote_(std::move(remote)),
        last_rx_us_(steady_us()) {
    slot_.socket = &socket_;
    slot_.on_stop = [](connection_slot& s) { static_cast<ws_slot&>(s).conn->close(close_code::going_away, "server shutting down"); };
    slot_.conn = this;
    worker_.slots_.insert(&slot_);
    st_.all.insert(this);
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }
  ~ws_conn() override {
    st_.all.erase(this);
    worker_.slots_.erase(&slot_);
    worker_.shared_->connections.fetch_sub(1);
  }
  ws_conn(const ws_conn&) = delete;
  ws_conn& operator=(const ws_conn&) = delete;

  void start(const request& upgrade) {
    arm_sweep(st_);
    wait_readable();
    if (worker_.shared_->draining.load()) {
      // stop() has begun (and may have passed this slot already): no
      // application, an orderly goodbye.
      close(close_code::going_away, "server shutting down");
      return;
    }
    handler_ = worker_.shared_->on_ws_open(shared_from_this(), upgrade);
    if (!handler_) close(close_code::internal_error, "internal error");
  }

  // ws_connection
  void send(ws_frame frame) override {
    if (closing_ || done_ || !frame.data) return;
    const std::size_t size = frame.data->size();
    if (frame.coalesce_key != 0) {
      // A partly written entry is on the wire: only later ones can be replaced.
      for (entry& e : out_) {
        if (e.coalesce_key == frame.coalesce_key && e.offset == 0 && e.kind == entry_kind::data) {
          out_bytes_ = out_bytes_ - e.data->size() + size;
          e.set(std::move(frame));
          return;
        }
      }
    }
    out_.emplace_back().set(std::move(frame));
    out_bytes_ += size;
    if (out_bytes_ > worker_.shared_->websocket.max_queue_bytes) {
      // Slow consumer: drop what has not started, then close.
      drop_unstarted();
      close(close_code::slow_consumer, "slow consumer");
      return;
    }
    make_dirty();
  }

  void ping(std::string_view payload) override {
    if (closing_ || done_) return;
    payload = payload.substr(0, 125);
    // A ping not yet started is replaced, as ws_connection::ping promises:
    // a stalled reader holds one ping, not one per second.
    for (auto& e : out_) {
      if (e.kind == entry_kind::ping && e.offset == 0) {
        out_bytes_ = out_bytes_ - e.data->size() + payload.size();
        e.data = std::make_shared<const std::string>(payload);
        e.header_size = static_cast<std::uint8_t>(write_frame_header(ws_op::ping, payload.size(), e.header));
        return;
      }
    }
    control(ws_op::ping, payload, entry_kind::ping);
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_ || done_) return;
    closing_ = true;
    control(ws_op::close, close_payload(code, reason), entry_kind::close);
  }

  loop& owner() noexcept override { return worker_.loop_; }
  const std::string& subprotocol() const noexcept override { return subprotocol_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t queued_bytes() const noexcept override { return out_bytes_; }
  bool open() const noexcept override { return !closing_ && !done_; }

  /// Writes what is queued; called once per loop turn for a dirty connection.
  void flush() {
    dirty_ = false;
    if (done_ || writable_wait_) return;
    constexpr int max_iov = 64;
    iovec iov[max_iov];
    while (!out_.empty()) {
      int n = 0;
      for (std::size_t i = 0; i < out_.size() && n < max_iov - 1; ++i) {
        entry& e = out_[i];
        std::size_t skip = e.offset;
        if (skip < e.header_size) {
          iov[n++] = iovec{e.header + skip, e.header_size - skip};
          skip = 0;
        } else {
          skip -= e.header_size;
        }
        // writev does not write through iov_base; iovec is just not const.
        iov[n++] = iovec{const_cast<char*>(e.data->data()) + skip, e.data->size() - skip};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
      }
      // One buffer (the common case: a shared, pre-framed tick) goes by
      // send(2), which skips writev's iovec import and file-position lock.
      const ssize_t wrote = n == 1 ? ::send(socket_.native_handle(), iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                                   : ::writev(socket_.native_handle(), iov, n);
      if (wrote < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return finish();
      }
      consume(static_cast<std::size_t>(wrote));
    }
    if (out_.empty()) {
      blocked_since_us_ = 0;
      if (close_sent_ && close_received_) finish();
      return;
    }
    if (blocked_since_us_ == 0) blocked_since_us_ = steady_us();
    writable_wait_ = true;
    socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
      self->writable_wait_ = false;
      if (ec) return self->finish();
      self->flush();
    });
  }

  /// The sweep: deadlines that need no timer of their own.
  void check_deadlines(std::int64_t now_us) {
    const ws_config& cfg = worker_.shared_->websocket;
    if (blocked_since_us_ != 0 && now_us - blocked_since_us_ > to_us(cfg.write_timeout)) return finish();
    if (close_sent_ && now_us - close_sent_us_ > to_us(cfg.handshake_timeout)) return finish();
    const std::int64_t silent = now_us - last_rx_us_;
    if (silent > to_us(cfg.idle_timeout)) return finish();
    if (silent > to_us(cfg.idle_timeout) / 2 && !keepalive_sent_) {
      // The peer's stack answers a ping by itself: a live peer is heard.
      keepalive_sent_ = true;
      ping({});
    }
  }

 private:
  enum class entry_kind : std::uint8_t { data, ping, close, pong };
  struct entry {
    std::shared_ptr<const std::string> data;
    std::size_t offset = 0;  ///< bytes of header + data already written
    int coalesce_key = 0;
    std::uint8_t header_size = 0;  ///< 0 when data is a whole frame
    entry_kind kind = entry_kind::data;
    char header[max_frame_header] = {};

    void set(ws_frame f) {
      coalesce_key = f.coalesce_key;
      header_size = f.framed
                        ? std::uint8_t{0}
                        : static_cast<std::uint8_t>(write_frame_header(f.binary ? ws_op::binary : ws_op::text, f.data->size(), header));
      data = std::move(f.data);
      offset = 0;
    }
  };
  /// The connection's shutdown slot, which knows its connection.
  struct ws_slot : connection_slot {
    ws_conn* conn = nullptr;
  };

  void control(std::uint8_t op, std::string_view payload, entry_kind kind) {
    entry& e = out_.emplace_back();
    e.data = std::make_shared<const std::string>(payload);
    e.header_size = static_cast<std::uint8_t>(write_frame_header(op, payload.size(), e.header));
    e.kind = kind;
    out_bytes_ += payload.size();
    make_dirty();
  }

  /// Drops every queued entry not yet started (a partly written one must
  /// finish, or the stream of frames breaks).
  void drop_unstarted() {
    std::erase_if(out_, [](const entry& e) { return e.offset == 0; });
    out_bytes_ = 0;
    for (const auto& e : out_) out_bytes_ += e.data->size();
  }

  void make_dirty() {
    if (dirty_ || done_) return;
    dirty_ = true;
    st_.dirty.push_back(shared_from_this());
    if (st_.flush_posted) return;
    st_.flush_posted = true;
    asio::post(st_.io_, [&st = st_] {
      st.flush_posted = false;
      // Flushing can make connections dirty again (a close after a write
      // error): those go to the next turn.
      auto batch = std::move(st.dirty);
      st.dirty.clear();
      for (auto& c : batch) c->flush();
      batch.clear();
      if (st.dirty.empty()) st.dirty = std::move(batch);  // keep the storage
    });
  }

  void consume(std::size_t n) {
    std::size_t done = 0;
    while (n > 0 && done < out_.size()) {
      entry& e = out_[done];
      const std::size_t left = e.header_size + e.data->size() - e.offset;
      if (n < left) {
        e.offset += n;
        break;
      }
      n -= left;
      out_bytes_ -= e.data->size();
      if (e.kind == entry_kind::close) {
        close_sent_ = true;
        close_sent_us_ = steady_us();
      }
      ++done;
    }
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(done));
  }

  void wait_readable() {
    if (done_) return;
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return self->finish();
      self->on_readable();
    });
  }

  void on_readable() {
    for (;;) {
      const ssize_t got = ::recv(socket_.native_handle(), st_.scratch, sizeof st_.scratch, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (got <= 0) return finish();
      last_rx_us_ = steady_us();
      keepalive_sent_ = false;
      if (!absorb(st_.scratch, static_cast<std::size_t>(got)) || done_) return;
      if (static_cast<std::size_t>(got) < sizeof st_.scratch) break;
    }
    wait_readable();
  }

  /// Parses what arrived (after any partial frame kept from before).
  /// False when the connection ended.
  bool absorb(char* data, std::size_t size) {
    if (close_received_) return true;  // nothing more is read after a close frame
    if (!partial_.empty()) {
      partial_.append(data, size);
      std::string held = std::move(partial_);
      partial_ = std::string();
      const std::size_t used = parse(held.data(), held.size());
      if (done_) return false;
      if (used < held.size()) partial_.assign(held, used);
      return true;
    }
    const std::size_t used = parse(data, size);
    if (done_) return false;
    if (used < size) partial_.assign(data + used, size - used);
    return true;
  }

  /// Handles every whole frame in data; returns the bytes used.
  std::size_t parse(char* data, std::size_t size) {
    const std::size_t max = worker_.shared_->websocket.max_message_bytes;
    std::size_t used = 0;
    while (used < size && !done_ && !close_received_) {
      const client_frame f = parse_client_frame(data + used, size - used, max);
      if (f.result == client_frame::status::need_more) break;
      if (f.result == client_frame::status::error) {
        protocol_error(f.close_code);
        return size;
      }
      used += f.consumed;
      on_frame(f);
    }
    return close_received_ ? size : used;
  }

  void on_frame(const client_frame& f) {
    const std::string_view payload(f.payload, f.size);
    switch (f.opcode) {
      case ws_op::ping:
        if (!closing_) control(ws_op::pong, payload, entry_kind::pong);
        return;
      case ws_op::pong:
        if (handler_ && !closing_) handler_->on_pong(payload);
        return;
      case ws_op::close:
        if (const std::uint16_t bad = check_close_payload(payload); bad != 0) return protocol_error(bad);
        close_received_ = true;
        if (!closing_) {
          // Echo the peer's code (RFC 6455 5.5.1), then end once it is out.
          closing_ = true;
          control(ws_op::close, payload.substr(0, 2), entry_kind::close);
        } else if (close_sent_) {
          finish();
        }
        return;
      case ws_op::continuation:
        if (!fragmented_) return protocol_error(1002);
        break;
      default:  // text, binary
        if (fragmented_) return protocol_error(1002);
        message_binary_ = f.opcode == ws_op::binary;
        if (f.fin) return deliver(payload);
        fragmented_ = true;
        break;
    }
    if (message_.size() + payload.size() > worker_.shared_->websocket.max_message_bytes) return protocol_error(1009);
    message_.append(payload);
    if (!f.fin) return;
    fragmented_ = false;
    const std::string whole = std::move(message_);
    message_ = std::string();
    deliver(whole);
  }

  void deliver(std::string_view message) {
    if (!handler_ || closing_) return;
    if (!message_binary_ && !valid_utf8(message)) return protocol_error(1007);
    const auto h = handler_;  // the handler may let go of this connection
    h->on_message(message, message_binary_);
  }

  void protocol_error(std::uint16_t code) {
    if (!closing_) {
      closing_ = true;
      drop_unstarted();  // nothing more for a peer that broke the protocol
      const std::string_view reason = code == 1009 ? "message too big" : code == 1007 ? "invalid UTF-8" : "protocol error";
      control(ws_op::close, close_payload(code, reason), entry_kind::close);
    }
    close_received_ = true;  // read nothing more: end once the close frame is out
    partial_ = std::string();
    message_ = std::string();
    if (close_sent_ && out_.empty()) finish();
  }

  /// The end: the socket closes, the handler hears of it (last call).
  void finish() {
    if (done_) return;
    done_ = true;
    closing_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    out_.clear();
    out_bytes_ = 0;
    if (auto h = std::move(handler_)) h->on_close();
  }

  worker& worker_;
  thread_state& st_;
  tcp::socket socket_;
  ws_slot slot_;
  std::string subprotocol_, remote_;
  std::shared_ptr<ws_session_handler> handler_;
  std::vector<entry> out_;
  std::size_t out_bytes_ = 0;
  std::string partial_, message_;
  std::int64_t last_rx_us_ = 0, blocked_since_us_ = 0, close_sent_us_ = 0;
  bool dirty_ = false, writable_wait_ = false, closing_ = false, close_sent_ = false, close_received_ = false, done_ = false;
  bool fragmented_ = false, message_binary_ = false, keepalive_sent_ = false;
};

void arm_sweep(thread_state& st) {
  if (st.sweeping) return;
  st.sweeping = true;
  st.sweep.expires_after(std::chrono::seconds(1));
  st.sweep.async_wait([&st](const boost::system::error_code& ec) {
    st.sweeping = false;
    if (ec || st.all.empty()) return;
    const std::int64_t now = steady_us();
    std::vector<std::shared_ptr<ws_conn>> live;  // once a second: the one allocation here
    live.reserve(st.all.size());
    for (ws_conn* c : st.all) live.push_back(c->shared_from_this());
    for (auto& c : live) c->check_deadlines(now);
    live.clear();
    if (!st.all.empty()) arm_sweep(st);
  });
}

}  // namespace

void start_ws_data_path(worker& w, tcp::socket socket, std::string subprotocol, const request& upgrade) {
  auto c = std::make_shared<ws_conn>(w, std::move(socket), std::move(subprotocol), upgrade.remote_address);
  c->start(upgrade);
}

}  // namespace metronome::net::detail
