// One HTTP/1.1 connection as a coroutine: read a request within the limits,
// hand it to the handler, wait for its reply (or the handler timeout), write
// the response, repeat while keep-alive. Pipelined requests are read from
// the same buffer one after another, so they are answered in order.
//
// Cost per keep-alive request, after the first few:
// - one timer per connection: the watchdog of the idle, read and write
//   deadlines, armed lazily (a deadline is a clock read and a store; the
//   timer is touched about once per timeout period), and, for a handler that
//   answers later, the wait for its answer up to the handler deadline;
// - the parser writes into a request kept by the connection, so its strings
//   and header list keep their capacity (http_wire.hpp);
// - the reply state is reused while no handler still holds an old reply_fn;
// - the response goes out in one gathered write: head and body as two
//   buffers of one sendmsg.
// What remains per request on the GET path: the reply_fn's std::function
// node (the handle counts its copies, so it is not trivially copyable and
// std::function keeps it on the heap).
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "detail/http_wire.hpp"
#include "detail/websocket_start.hpp"
#include "detail/worker.hpp"
#include "metronome/core/random.hpp"
#include "metronome/core/result.hpp"
#include "metronome/net/http_errors.hpp"

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

constexpr std::size_t read_chunk = 4096;  ///< Bytes asked of each read.

/// Writes a fresh 16-hex-digit request id into `out` (capacity reused).
void new_request_id(std::string& out) {
  thread_local std::uint64_t state = random_seed();
  state += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  static constexpr char digits[] = "0123456789abcdef";
  std::array<char, 16> text{};
  for (std::size_t i = 0; i < 8; ++i) {
    const auto byte = static_cast<std::uint8_t>(z >> (8 * i));
    text[2 * i] = digits[byte >> 4];
    text[2 * i + 1] = digits[byte & 0xf];
  }
  out.assign(text.data(), text.size());
}

class http_session;

/// Where a handler's answer goes. Shared by the session and every copy of
/// the request's reply_fn; reused for the next request when no copy is left.
/// Each request is a generation: only an answer for the generation still
/// open is taken, so a late answer (after a 504) never reaches a later request.
struct reply_state : std::enable_shared_from_this<reply_state> {
  explicit reply_state(asio::io_context& io) : io_(io) {}

  /// Any thread. Takes the first answer for generation `gen`, if that is
  /// still the open one.
  void answer(std::uint64_t gen, response r);

  asio::io_context& io_;
  std::atomic<int> handles_{0};             ///< Live reply_fn copies (reply_handle).
  std::atomic<std::uint64_t> open_gen_{0};  ///< The generation waiting for its answer; 0 when none.
  /// While the handler runs on the worker's thread: an answer given from
  /// that thread (SQLite reads answer inline) is stored here directly, with
  /// no post; an answer from that thread later goes to the session at once.
  /// Other threads always post.
  std::atomic<bool> in_handler_{false};
  std::thread::id worker_thread_;         ///< Set once, before any handle exists.
  std::optional<response> inline_reply_;  ///< Worker thread only.
  std::uint64_t generation_ = 0;          ///< Worker thread only.
  http_session* session_ = nullptr;       ///< Worker thread only; null once the request is over.
};

/// What a reply_fn holds: counts copies, so that the last one dropped
/// unanswered answers 500 rather than leaving the client to the timeout.
class reply_handle {
 public:
  reply_handle(std::shared_ptr<reply_state> s, std::uint64_t gen) noexcept : s_(std::move(s)), gen_(gen) {
    s_->handles_.fetch_add(1, std::memory_order_relaxed);
  }
  reply_handle(const reply_handle& other) noexcept : s_(other.s_), gen_(other.gen_) {
    s_->handles_.fetch_add(1, std::memory_order_relaxed);
  }
  reply_handle(reply_handle&& other) noexcept : s_(std::move(other.s_)), gen_(other.gen_) {}
  reply_handle& operator=(const reply_handle&) = delete;
  reply_handle& operator=(reply_handle&&) = delete;
  ~reply_handle() {
    // After the count reaches 0 the state may already serve the next
    // request: answer() then finds another generation open and drops this.
    if (s_ && s_->handles_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      s_->answer(gen_, error_response(make_error(errc::internal, "the handler dropped the request without answering")));
    }
  }
  void operator()(response r) const { s_->answer(gen_, std::move(r)); }

 private:
  std::shared_ptr<reply_state> s_;
  std::uint64_t gen_;
};

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(worker& w, tcp::socket socket)
      : worker_(w), socket_(std::move(socket)), timer_(w.io_), reader_(w.shared_->config.header_limit, w.shared_->config.body_limit) {
    error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    remote_ = ec ? std::string() : ep.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
    slot_.socket = &socket_;
    worker_.slots_.insert(&slot_);
  }
  ~http_session() {
    worker_.slots_.erase(&slot_);
    if (reply_) reply_->session_ = nullptr;
    if (!handed_off_) worker_.shared_->connections.fetch_sub(1);  // else the WebSocket session owns the count
  }

  asio::awaitable<void> run() {
    const server_config& cfg = worker_.shared_->config;
    std::size_t served = 0;
    for (;;) {
      if (worker_.shared_->draining.load()) break;
      steady::time_point started{};
      if (!co_await read_request(started)) break;
      if (reader_.failed()) {
        if (auto r = reader_.error_reply()) {
          log_.method = "unparsed";
          log_.path.clear();
          new_request_id(log_.request_id);
          log_.remote_address = remote_;
          co_await write(std::move(*r), false, started);
        }
        break;
      }
      if (reader_.websocket_upgrade() && worker_.shared_->on_ws_open && req_.path == worker_.shared_->websocket.path) {
        std::optional<response> refusal = screen_upgrade();
        if (!refusal) {
          hand_off();
          co_return;
        }
        co_await write(std::move(*refusal), false, started);
        break;
      }
      const bool keep_alive = req_.keep_alive && ++served < cfg.max_requests_per_connection;
      response res = co_await dispatch();
      if (!co_await write(std::move(res), keep_alive, started)) break;
      if (!keep_alive) break;
    }
    finish();
  }

  /// A reply posted from another thread, on the worker's thread: ends
  /// dispatch()'s wait on the timer.
  void on_reply(response r) {
    reply_->session_ = nullptr;
    pending_reply_ = std::move(r);
    timer_.cancel();
  }

 private:
  enum class phase { idle, reading, handling, writing };

  /// Reads one request (or a parse failure) into req_. False when the
  /// connection ended or timed out first. `started` becomes the time its
  /// first byte was at hand.
  asio::awaitable<bool> read_request(steady::time_point& started) {
    const server_config& cfg = worker_.shared_->config;
    reader_.start(req_);
    bool continued = false;
    bool timing = false;  ///< The read deadline runs: a byte of this request arrived.
    for (;;) {
      if (buffer_.size() > 0) {
        if (!timing) {
          timing = true;
          slot_.busy = true;
          started = steady::now();
          arm(phase::reading, cfg.read_timeout);
        }
        const auto data = buffer_.data();
        const std::size_t used = reader_.feed(std::string_view(static_cast<const char*>(data.data()), data.size()));
        buffer_.consume(used);
        if (reader_.done() || reader_.failed()) co_return true;
        if (reader_.header_done() && reader_.expects_continue() && !continued) {
          continued = true;
          static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
          error_code ec;
          co_await asio::async_write(socket_, asio::buffer(interim), asio::redirect_error(use_awaitable, ec));
          if (ec) co_return false;
        }
        if (used > 0 && buffer_.size() > 0) continue;
      } else if (!timing) {
        slot_.busy = false;  // waiting for a request: stop() may close us now
        arm(phase::idle, cfg.idle_timeout);
      }
      error_code ec;
      const std::size_t n = co_await socket_.async_read_some(buffer_.prepare(read_chunk), asio::redirect_error(use_awaitable, ec));
      if (ec) co_return false;  // timeouts, resets, end of stream: just close
      buffer_.commit(n);
    }
  }

  /// Gives req_ its request id and remote address and copies what the
  /// access log needs (it survives the move into the handler; the
  /// assignments reuse the strings' capacity).
  void stamp_request() {
    if (req_.request_id.empty()) new_request_id(req_.request_id);
    req_.remote_address = remote_;
    log_.method = req_.method;
    log_.path = req_.path;
    log_.request_id = req_.request_id;
    log_.remote_address = remote_;
  }

  /// ws_config::accept on an upgrade request, before anything is allocated
  /// for a WebSocket: nullopt hands the connection over, a response refuses
  /// it (a hook that throws refuses with 500).
  std::optional<response> screen_upgrade() {
    const ws_accept_fn& accept = worker_.shared_->websocket.accept;
    if (!accept) return std::nullopt;
    stamp_request();
    try {
      return accept(req_);
    } catch (const std::exception& e) {
      return error_response(make_error(errc::internal, std::string("upgrade check failed: ") + e.what()));
    }
  }

  /// Hands req_ to the handler and waits for its reply or the timeout.
  asio::awaitable<response> dispatch() {
    stamp_request();

    reply_state& st = fresh_reply_state();
    const std::uint64_t gen = st.generation_;
    pending_reply_.reset();
    try {
      worker_.shared_->on_request(std::move(req_), reply_handle(reply_, gen));
    } catch (const std::exception& e) {
      st.answer(gen, error_response(make_error(errc::internal, std::string("handler failed: ") + e.what())));
    }
    st.in_handler_.store(false, std::memory_order_release);
    if (st.inline_reply_) {
      st.session_ = nullptr;
      co_return std::move(*st.inline_reply_);
    }
    if (!pending_reply_) {
      // The answer comes later: wait on the connection's timer itself, until
      // the handler deadline or until on_reply() cancels the wait. The
      // watchdog is off meanwhile (nothing to close) and re-armed by the
      // next phase.
      phase_ = phase::handling;
      deadline_ = steady::time_point::max();
      watching_ = false;
      ++watch_gen_;
      timer_.expires_after(worker_.shared_->config.handler_timeout);
      error_code ec;
      co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    st.session_ = nullptr;  // a late answer (after the 504) is dropped
    if (pending_reply_) co_return std::move(*pending_reply_);
    co_return error_response(make_error(errc::timeout, "the request took too long to handle"));
  }

  /// The reply state for the next request: the last one when no reply_fn
  /// of an earlier request is alive, else a new one.
  reply_state& fresh_reply_state() {
    if (!reply_ || reply_->handles_.load(std::memory_order_acquire) != 0) {
      if (reply_) reply_->session_ = nullptr;
      reply_ = std::make_shared<reply_state>(worker_.io_);
      reply_->worker_thread_ = std::this_thread::get_id();
    }
    reply_state& st = *reply_;
    ++st.generation_;
    st.session_ = this;
    st.inline_reply_.reset();
    st.in_handler_.store(true, std::memory_order_release);
    st.open_gen_.store(st.generation_, std::memory_order_release);
    return st;
  }

  /// Writes `res` in one gathered write; false if the connection is gone.
  asio::awaitable<bool> write(response res, bool keep_alive, steady::time_point started) {
    write_response_head(head_, res, log_.request_id, keep_alive);
    // A HEAD answer carries the head a GET would get, Content-Length
    // included, and never a body (RFC 9110 9.3.2), whatever the handler or
    // an error path put in res.body.
    const bool bodiless = (res.status >= 100 && res.status < 200) || res.status == 204 || res.status == 304 || log_.method == "HEAD";
    const std::array<asio::const_buffer, 2> out{asio::buffer(head_), bodiless ? asio::const_buffer() : asio::buffer(res.body)};
    arm(phase::writing, worker_.shared_->config.write_timeout);
    error_code ec;
    co_await asio::async_write(socket_, out, asio::redirect_error(use_awaitable, ec));
    deadline_ = steady::time_point::max();
    if (worker_.shared_->on_exchange) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
      worker_.shared_->on_exchange(exchange_summary{log_, res.status, res.route, took, res.body.size()});
    }
    co_return !ec;
  }

  /// Sets the deadline of the current phase (idle, reading, writing). Lazy:
  /// the timer is re-armed only when it would fire too late; when it fires
  /// early (the deadline moved on) it waits again for the current one.
  void arm(phase p, std::chrono::milliseconds timeout) {
    phase_ = p;
    deadline_ = steady::now() + timeout;
    if (!watching_ || timer_.expiry() > deadline_) {
      timer_.expires_at(deadline_);  // cancels an outstanding wait, if any
      watch();
    }
  }

  void watch() {
    watching_ = true;
    timer_.async_wait([self = shared_from_this(), gen = ++watch_gen_](const error_code& ec) { self->on_timer(gen, ec); });
  }

  /// The watchdog: closes the socket when the read, write or idle deadline
  /// has passed. `gen` tells a superseded wait (its completion was already
  /// queued when the timer was re-armed) from the current one.
  void on_timer(std::uint64_t gen, const error_code& ec) {
    if (gen != watch_gen_) return;
    watching_ = false;
    if (ec || finished_ || deadline_ == steady::time_point::max()) return;
    if (steady::now() < deadline_) {
      timer_.expires_at(deadline_);
      watch();
      return;
    }
    deadline_ = steady::time_point::max();
    // Closing makes the pending read or write complete with an error.
    error_code ignored;
    socket_.close(ignored);
  }

  /// Gives the socket and the upgrade request to a WebSocket session.
  void hand_off() {
    http::request<http::string_body> upgrade{http::string_to_verb(req_.method), req_.target, 11};
    for (const auto& [name, value] : req_.headers) upgrade.insert(name, value);
    if (req_.request_id.empty()) new_request_id(req_.request_id);
    req_.remote_address = remote_;
    handed_off_ = true;
    finished_ = true;
    timer_.cancel();
    start_websocket_session(worker_, beast::tcp_stream(std::move(socket_)), std::move(upgrade), std::move(req_));
  }

  void finish() {
    finished_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  worker& worker_;
  tcp::socket socket_;
  asio::steady_timer timer_;                                 ///< The connection's one deadline timer.
  steady::time_point deadline_ = steady::time_point::max();  ///< Of the current phase; max: none.
  bool watching_ = false;                                    ///< A watchdog wait is outstanding on timer_.
  std::uint64_t watch_gen_ = 0;                              ///< Tags watchdog waits; bumped when one is superseded.
  phase phase_ = phase::idle;
  bool finished_ = false;
  beast::flat_buffer buffer_;  ///< Bytes read, not yet parsed: may hold pipelined requests.
  request_reader reader_;
  request req_;       ///< Parsed into in place, request after request.
  request log_;       ///< What the access log needs of the request being answered.
  std::string head_;  ///< Response head; capacity reused.
  std::string remote_;
  std::shared_ptr<reply_state> reply_;
  std::optional<response> pending_reply_;  ///< A posted reply (on_reply).
  connection_slot slot_;
  bool handed_off_ = false;  ///< The socket now belongs to a WebSocket session.
};

void reply_state::answer(std::uint64_t gen, response r) {
  std::uint64_t expected = gen;
  if (!open_gen_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel)) return;
  if (std::this_thread::get_id() == worker_thread_) {
    if (in_handler_.load(std::memory_order_acquire)) {
      inline_reply_ = std::move(r);
      return;
    }
    // Later, but on this thread (a proxied answer, with the client on the
    // caller's loop): straight to the session, without a post.
    if (session_ != nullptr && generation_ == gen) session_->on_reply(std::move(r));
    return;
  }
  asio::post(io_, [self = shared_from_this(), gen, r = std::move(r)]() mutable {
    if (self->session_ != nullptr && self->generation_ == gen) self->session_->on_reply(std::move(r));
  });
}

}  // namespace

void start_http_session(worker& w, tcp::socket socket) {
  auto session = std::make_shared<http_session>(w, std::move(socket));
  asio::co_spawn(
      w.io_, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
}

}  // namespace metronome::net::detail
