// The keep-alive pools of one thread (detail/http_client_pools.hpp): per
// host:port connection slots, connect/request/idle timeouts, and one retry
// for a stale pooled connection.
//
// A pool is a set of connection slots (at most max_connections_per_host). A
// slot runs requests one after another: when one completes it takes the next
// from the pool's FIFO queue (reconnecting if the server closed), and with an
// empty queue it parks in the idle list (at most max_idle_per_host, reused
// most-recent-first) or closes. A new request takes an idle slot, else opens
// a slot, else queues (at most max_queued_per_host), else fails at once.
// Everything runs on one thread, so a pool needs no locks and the per-host
// limits are exact (per thread: each thread has its own pools).
//
// Cost per request on a warm pool: no resolver (IP literals are parsed once
// per pool), no timer arm/cancel (deadlines are lazy, see arm_deadline), the
// request head is written into a per-connection buffer, and responses are
// parsed by a Beast basic_parser straight into the client_response.
#include "detail/http_client_pools.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;
using pending = pending_request;

constexpr std::uint32_t response_header_limit = 64 * 1024;  ///< Status line + header bytes; more is errc::internal.
constexpr std::size_t read_chunk = 16 * 1024;               ///< Bytes asked of each read.

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// RFC 9110 tchar: what a method or a field name may contain.
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

/// No CR, LF or NUL: what keeps a caller's string from splitting the request.
bool is_field_safe(std::string_view s) noexcept { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

/// Rejects what would let a header value or target smuggle a second request.
std::optional<error> validate(const client_request& req) {
  if (req.host.empty() || req.port == 0) return make_error(errc::invalid_argument, "request without host or port");
  if (req.host.find_first_of(std::string_view(" /\r\n\0", 5)) != std::string::npos) {
    return make_error(errc::invalid_argument, "bad host '" + req.host + "'");
  }
  if (!is_token(req.method)) return make_error(errc::invalid_argument, "bad method '" + req.method + "'");
  if (!is_field_safe(req.target) || req.target.find(' ') != std::string::npos) {
    return make_error(errc::invalid_argument, "bad request target");
  }
  for (const auto& [name, value] : req.headers) {
    if (!is_token(name) || !is_field_safe(value)) return make_error(errc::invalid_argument, "bad header '" + name + "'");
  }
  return std::nullopt;
}

/// Beast's parser writing straight into a client_response, without a
/// beast::fields in between (that would cost an allocation per header).
class response_parser final : public http::basic_parser<false> {
 public:
  explicit response_parser(client_response& out) : out_(out) {}

 private:
  // beast::string_view is boost::core::string_view in Boost 1.81, whatever
  // BOOST_BEAST_USE_STD_STRING_VIEW says; it converts to std::string_view.
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int, error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { out_.status = static_cast<unsigned>(code); }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value, error_code&) override {
    auto& field = out_.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
    for (char& c : field.first) c = ascii_lower(c);
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));  // already checked against body_limit
  }
  std::size_t on_body_impl(beast::string_view data, error_code&) override {
    out_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, error_code&) override {
    out_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_finish_impl(error_code&) override {}

  client_response& out_;
};

/// How one attempt at a request ended; run_one maps it to the caller's errc.
enum class outcome {
  ok,
  not_sent,     ///< Failed before the whole request was written.
  no_response,  ///< Written, then the connection ended before any response byte.
  broken,       ///< The connection ended inside the response.
  timed_out,    ///< request_timeout passed.
  malformed,    ///< The parser rejected the response.
  too_large,    ///< Over max_response_bytes or the header limit.
  aborted,      ///< The client is shutting down; the request was completed by shutdown().
};

struct host_pool;

/// One connection slot of a pool. It may be reconnected (after a response
/// that closes, a failure, or the stale retry) and keeps its place in the
/// pool's count meanwhile. Owned by the pool; the coroutine running it and a
/// pending deadline wait hold extra references.
struct connection : std::enable_shared_from_this<connection> {
  connection(host_pool& pool, asio::io_context& io) : pool_(pool), socket_(io), resolver_(io), timer_(io) {}

  host_pool& pool_;
  tcp::socket socket_;
  tcp::resolver resolver_;  ///< Only for host names.
  asio::steady_timer timer_;
  steady::time_point deadline_ = steady::time_point::max();  ///< max: nothing is timed now.
  unsigned timer_waits_ = 0;                                 ///< Outstanding async_waits on timer_.
  bool timed_out_ = false;                                   ///< The deadline closed the socket during the current phase.
  beast::flat_buffer buffer_;                                ///< Unparsed response bytes; empty between requests (else not pooled).
  std::string head_;                                         ///< Request line and header; capacity reused.
  pending current_;                                          ///< The request running on this slot.
  steady::time_point idle_since_{};
  std::size_t index_ = 0;  ///< Position in host_pool::connections_.
};

struct host_pool {
  host_pool(asio::io_context& io, std::string host, std::uint16_t port) : host_(std::move(host)), port_(port), sweep_(io) {
    error_code ec;
    const auto address = asio::ip::make_address(host_, ec);
    if (!ec) literal_ = tcp::endpoint(address, port_);
    const bool v6 = host_.find(':') != std::string::npos;
    host_header_ = v6 ? "[" + host_ + "]" : host_;
    if (port_ != 80) host_header_ += ":" + std::to_string(port_);
    name_ = (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
  }

  std::string host_;
  std::uint16_t port_;
  std::string host_header_;                               ///< Value of Host: "host[:port]".
  std::string name_;                                      ///< "host:port" for error messages.
  std::optional<tcp::endpoint> literal_;                  ///< Set when host_ is an IP address: no resolver.
  std::vector<std::shared_ptr<connection>> connections_;  ///< Every slot, busy, idle or connecting.
  std::vector<connection*> idle_;                         ///< Parked slots, oldest first; reuse takes the back.
  std::deque<pending> queue_;                             ///< Waiting for a slot; never non-empty while idle_ is.
  asio::steady_timer sweep_;                              ///< Closes idle slots after idle_timeout.
  bool sweep_armed_ = false;
};

}  // namespace

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

void complete_request(client_callback& done, result<client_response> r) noexcept {
  if (!done) return;
  client_callback callback = std::move(done);
  done = nullptr;
  try {
    callback(std::move(r));
  } catch (...) {}
}

class client_pools::state : public std::enable_shared_from_this<client_pools::state> {
 public:
  state(const client_config& config, std::shared_ptr<std::atomic<std::size_t>> open, asio::io_context& io, bool defer_immediate)
      : cfg_(config), open_(std::move(open)), io_(io), defer_immediate_(defer_immediate) {}

  void submit(pending p) {
    if (stopping_) return fail_now(p.done, make_error(errc::unavailable, "the HTTP client is shutting down"));
    if (auto bad = validate(p.req)) return fail_now(p.done, std::move(*bad));
    host_pool& pool = pool_for(p.req.host, p.req.port);
    if (!pool.idle_.empty()) {
      connection* c = pool.idle_.back();
      pool.idle_.pop_back();
      c->current_ = std::move(p);
      spawn(c->shared_from_this());
    } else if (pool.connections_.size() < std::max<std::size_t>(1, cfg_.max_connections_per_host)) {
      auto c = std::make_shared<connection>(pool, io_);
      c->index_ = pool.connections_.size();
      pool.connections_.push_back(c);
      open_->fetch_add(1, std::memory_order_relaxed);
      c->current_ = std::move(p);
      spawn(std::move(c));
    } else if (pool.queue_.size() < cfg_.max_queued_per_host) {
      p.queued_at = steady::now();
      pool.queue_.push_back(std::move(p));
    } else {
      fail_now(p.done, make_error(errc::unavailable, "too many requests waiting for " + pool.name_));
    }
  }

  /// A failure found inside submit(): now, or from a posted task (defer_immediate_).
  void fail_now(client_callback& done, error e) {
    if (!defer_immediate_) return complete_request(done, std::move(e));
    asio::post(io_, [done = std::move(done), e = std::move(e)]() mutable { complete_request(done, std::move(e)); });
  }

  host_pool& pool_for(const std::string& host, std::uint16_t port) {
    std::array<char, 8> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), port).ptr;
    key_.assign(host).append(1, ' ').append(digits.data(), end);  // scratch: no allocation once warm
    auto it = pools_.find(key_);
    if (it == pools_.end()) it = pools_.emplace(key_, std::make_unique<host_pool>(io_, host, port)).first;
    return *it->second;
  }

  /// The coroutine holds the pools (`self`): they outlive their owner until it ends.
  void spawn(std::shared_ptr<connection> c) { asio::co_spawn(io_, serve(shared_from_this(), std::move(c)), asio::detached); }

  /// Runs requests on one slot until the queue is empty, then parks or closes it.
  asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<state> self, std::shared_ptr<connection> c) {
    host_pool& pool = c->pool_;
    for (;;) {
      co_await run_one(*c);
      if (stopping_) co_return;
      if (take_queued(pool, *c)) continue;
      if (c->socket_.is_open() && pool.idle_.size() < cfg_.max_idle_per_host) {
        park(pool, *c);
      } else {
        retire(pool, *c);
      }
      co_return;
    }
  }

  /// Moves the oldest queued request onto `c`. One that has waited longer than
  /// request_timeout for a slot fails (not delivered) rather than start late.
  bool take_queued(host_pool& pool, connection& c) {
    while (!pool.queue_.empty()) {
      pending next = std::move(pool.queue_.front());
      pool.queue_.pop_front();
      if (steady::now() - next.queued_at > cfg_.request_timeout) {
        complete_request(next.done, make_error(errc::unavailable, "no connection to " + pool.name_ + " became free in time"));
        continue;
      }
      c.current_ = std::move(next);
      return true;
    }
    return false;
  }

  /// One request on `c`, connecting first if needed, with the stale retry:
  /// a reused connection that fails before any response byte most likely
  /// met a keep-alive close by the server, so the request runs once more on
  /// a fresh connection.
  asio::awaitable<void> run_one(connection& c) {
    const bool reused = c.socket_.is_open();
    for (bool retried = false;; retried = true) {
      // A slot spawned just before shutdown() starts after it: its request is
      // already completed, and it must not open anything.
      if (stopping_) co_return;
      if (!c.socket_.is_open()) {
        std::optional<error> failed = co_await connect(c);
        if (stopping_) co_return;
        if (failed) co_return finish(c, std::move(*failed));
      }
      client_response res;
      bool keep_alive = false;
      const outcome o = co_await exchange(c, res, keep_alive);
      if (o == outcome::aborted || stopping_) co_return;
      if (o == outcome::ok) {
        if (!keep_alive) close_socket(c);
        co_return finish(c, std::move(res));
      }
      close_socket(c);
      if (reused && !retried && (o == outcome::not_sent || o == outcome::no_response)) continue;
      co_return finish(c, failure(c.pool_, o));
    }
  }

  error failure(const host_pool& pool, outcome o) const {
    switch (o) {
      case outcome::not_sent: return make_error(errc::unavailable, "could not send the request to " + pool.name_);
      case outcome::no_response: return make_error(errc::timeout, pool.name_ + " closed the connection without answering");
      case outcome::broken: return make_error(errc::timeout, "the connection to " + pool.name_ + " broke during the response");
      case outcome::timed_out:
        return make_error(errc::timeout,
                          "no response from " + pool.name_ + " within " + std::to_string(cfg_.request_timeout.count()) + " ms");
      case outcome::malformed: return make_error(errc::internal, "malformed response from " + pool.name_);
      case outcome::too_large:
        return make_error(errc::internal, "response from " + pool.name_ + " larger than " + std::to_string(cfg_.max_response_bytes) +
                                              " bytes (or its header over " + std::to_string(response_header_limit) + ")");
      case outcome::ok:
      case outcome::aborted: break;
    }
    return make_error(errc::internal, "unexpected client outcome");
  }

  void finish(connection& c, result<client_response> r) {
    complete_request(c.current_.done, std::move(r));
    c.current_ = pending{};  // do not keep a large body alive on a parked slot
  }

  /// Resolves (host names only) and connects within connect_timeout.
  asio::awaitable<std::optional<error>> connect(connection& c) {
    host_pool& pool = c.pool_;
    c.buffer_.clear();
    arm_deadline(c, cfg_.connect_timeout);
    error_code ec;
    if (pool.literal_) {
      co_await c.socket_.async_connect(*pool.literal_, asio::redirect_error(use_awaitable, ec));
    } else {
      const auto endpoints = co_await c.resolver_.async_resolve(pool.host_, std::to_string(pool.port_), tcp::resolver::numeric_service,
                                                                asio::redirect_error(use_awaitable, ec));
      if (!ec && !c.timed_out_ && !stopping_) co_await asio::async_connect(c.socket_, endpoints, asio::redirect_error(use_awaitable, ec));
    }
    c.deadline_ = steady::time_point::max();
    if (!ec && !c.timed_out_) c.socket_.set_option(tcp::no_delay(true), ec);
    if (!ec && !c.timed_out_) co_return std::nullopt;
    close_socket(c);
    if (c.timed_out_) {
      co_return make_error(errc::unavailable,
                           "connecting to " + pool.name_ + " took over " + std::to_string(cfg_.connect_timeout.count()) + " ms");
    }
    co_return make_error(errc::unavailable, "cannot connect to " + pool.name_ + ": " + ec.message());
  }

  /// Writes the request and reads the response within request_timeout.
  /// `keep_alive` tells whether the connection may carry another request.
  asio::awaitable<outcome> exchange(connection& c, client_response& res, bool& keep_alive) {
    const client_request& req = c.current_.req;
    write_head(c);
    arm_deadline(c, cfg_.request_timeout);
    auto fail = [&](outcome o) {
      if (stopping_) return outcome::aborted;
      return c.timed_out_ ? outcome::timed_out : o;
    };
    error_code ec;
    const std::array<asio::const_buffer, 2> out{asio::buffer(c.head_), asio::buffer(req.body)};
    co_await asio::async_write(c.socket_, out, asio::redirect_error(use_awaitable, ec));
    if (ec || stopping_) co_return fail(outcome::not_sent);

    bool got_bytes = false;
    for (;;) {  // once per response; 1xx interim responses are dropped
      res.status = 0;
      res.headers.clear();
      res.body.clear();
      response_parser parser(res);
      parser.eager(true);
      parser.header_limit(response_header_limit);
      parser.body_limit(cfg_.max_response_bytes);
      if (req.method == "HEAD") parser.skip(true);
      for (;;) {
        if (c.buffer_.size() > 0) {
          const std::size_t used = parser.put(c.buffer_.data(), ec);
          c.buffer_.consume(used);
          if (ec == http::error::need_more) {
            ec = {};
          } else if (ec == http::error::body_limit || ec == http::error::header_limit) {
            co_return outcome::too_large;
          } else if (ec) {
            co_return outcome::malformed;
          } else if (parser.is_done()) {
            break;
          } else if (used > 0 && c.buffer_.size() > 0) {
            continue;
          }
        }
        const std::size_t n = co_await c.socket_.async_read_some(c.buffer_.prepare(read_chunk), asio::redirect_error(use_awaitable, ec));
        if (ec == asio::error::eof && parser.got_some() && !stopping_) {
          close_socket(c);  // a body delimited by the end of the connection, or a cut one
          parser.put_eof(ec);
          if (ec) co_return fail(outcome::broken);
          break;
        }
        if (ec || stopping_) co_return fail(got_bytes ? outcome::broken : outcome::no_response);
        c.buffer_.commit(n);
        got_bytes = true;
      }
      if (res.status >= 200 || res.status == 101) {
        keep_alive = parser.keep_alive() && res.status != 101;
        break;
      }
    }
    c.deadline_ = steady::time_point::max();
    // Bytes past the response mean a confused server: do not pool it.
    keep_alive = keep_alive && c.buffer_.size() == 0 && c.socket_.is_open();
    co_return outcome::ok;
  }

  /// "METHOD target HTTP/1.1", the caller's headers as given, Host unless the
  /// caller set one, and Content-Length (left out only for a GET or HEAD
  /// without body, as RFC 9110 asks). A caller's Content-Length or
  /// Transfer-Encoding is dropped: the body always goes with its exact length.
  void write_head(connection& c) {
    const client_request& req = c.current_.req;
    std::string& h = c.head_;
    h.clear();
    h.append(req.method)
        .append(1, ' ')
        .append(req.target.empty() ? std::string_view("/") : std::string_view(req.target))
        .append(" HTTP/1.1\r\n");
    bool has_host = false;
    for (const auto& [name, value] : req.headers) {
      if (ascii_iequals(name, "content-length") || ascii_iequals(name, "transfer-encoding")) continue;
      has_host = has_host || ascii_iequals(name, "host");
      h.append(name).append(": ").append(value).append("\r\n");
    }
    if (!has_host) h.append("Host: ").append(c.pool_.host_header_).append("\r\n");
    if (!req.body.empty() || (req.method != "GET" && req.method != "HEAD")) {
      std::array<char, 24> digits{};
      const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), req.body.size()).ptr;
      h.append("Content-Length: ").append(digits.data(), end).append("\r\n");
    }
    h.append("\r\n");
  }

  /// Deadlines are lazy: setting one is a clock read and a store. The timer
  /// is re-armed only when it would fire too late; when it fires early (the
  /// deadline moved on) it waits again for the current one. So a busy
  /// keep-alive connection touches its timer about once per timeout period,
  /// not twice per request.
  void arm_deadline(connection& c, std::chrono::milliseconds timeout) {
    c.timed_out_ = false;
    c.deadline_ = steady::now() + timeout;
    if (c.timer_waits_ == 0 || c.timer_.expiry() > c.deadline_) {
      c.timer_.expires_at(c.deadline_);  // cancels an outstanding wait, if any
      wait_deadline(c);
    }
  }

  void wait_deadline(connection& c) {
    ++c.timer_waits_;
    c.timer_.async_wait([this, keep = shared_from_this(), held = c.shared_from_this()](error_code ec) {
      connection& conn = *held;
      --conn.timer_waits_;
      if (ec || stopping_ || conn.deadline_ == steady::time_point::max()) return;
      if (steady::now() < conn.deadline_) {
        if (conn.timer_waits_ == 0) {
          conn.timer_.expires_at(conn.deadline_);
          wait_deadline(conn);
        }
        return;
      }
      // Closing the socket makes the pending connect, write or read complete
      // with an error; the coroutine sees timed_out_ and reports it.
      conn.timed_out_ = true;
      conn.deadline_ = steady::time_point::max();
      conn.resolver_.cancel();
      close_socket(conn);
    });
  }

  static void close_socket(connection& c) {
    error_code ignored;
    if (c.socket_.is_open()) {
      c.socket_.shutdown(tcp::socket::shutdown_both, ignored);
      c.socket_.close(ignored);
    }
  }

  void park(host_pool& pool, connection& c) {
    c.idle_since_ = steady::now();
    pool.idle_.push_back(&c);
    if (!pool.sweep_armed_) arm_sweep(pool, c.idle_since_ + cfg_.idle_timeout);
  }

  /// Closes idle slots older than idle_timeout. idle_ is ordered oldest first
  /// (parked at the back, reused from the back), so expired ones are a prefix.
  void arm_sweep(host_pool& pool, steady::time_point when) {
    pool.sweep_armed_ = true;
    pool.sweep_.expires_at(when);
    pool.sweep_.async_wait([this, keep = shared_from_this(), &pool](error_code ec) {
      pool.sweep_armed_ = false;
      if (ec || stopping_) return;
      const auto now = steady::now();
      std::size_t expired = 0;
      while (expired < pool.idle_.size() && pool.idle_[expired]->idle_since_ + cfg_.idle_timeout <= now) ++expired;
      std::vector<connection*> closing(pool.idle_.begin(), pool.idle_.begin() + static_cast<std::ptrdiff_t>(expired));
      pool.idle_.erase(pool.idle_.begin(), pool.idle_.begin() + static_cast<std::ptrdiff_t>(expired));
      for (connection* c : closing) retire(pool, *c);
      if (!pool.idle_.empty()) arm_sweep(pool, pool.idle_.front()->idle_since_ + cfg_.idle_timeout);
    });
  }

  /// Closes a slot for good. `c` may be destroyed by the time this returns.
  void retire(host_pool& pool, connection& c) {
    close_socket(c);
    c.timer_.cancel();
    const std::size_t i = c.index_;
    std::swap(pool.connections_[i], pool.connections_.back());
    pool.connections_[i]->index_ = i;
    open_->fetch_sub(1, std::memory_order_relaxed);
    pool.connections_.pop_back();
  }

  /// On this thread: fail everything queued or in flight with
  /// errc::unavailable and close every socket and timer, so the loop runs dry.
  /// Coroutines still suspended wake with errors, see stopping_ and end
  /// without touching their (already completed) request.
  void stop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& [key, pool] : pools_) {
      pool->sweep_.cancel();
      std::deque<pending> queued = std::move(pool->queue_);
      pool->queue_.clear();
      std::vector<std::shared_ptr<connection>> conns = std::move(pool->connections_);
      pool->connections_.clear();
      pool->idle_.clear();
      open_->fetch_sub(conns.size(), std::memory_order_relaxed);
      for (auto& c : conns) {
        c->resolver_.cancel();
        c->timer_.cancel();
        close_socket(*c);
      }
      const auto shutting = [] { return make_error(errc::unavailable, "the HTTP client is shutting down"); };
      for (auto& c : conns) complete_request(c->current_.done, shutting());
      for (auto& p : queued) complete_request(p.done, shutting());
    }
  }

  client_config cfg_;                               ///< A copy: the pools may outlive the client that made them.
  std::shared_ptr<std::atomic<std::size_t>> open_;  ///< Shared by the client's pools.
  asio::io_context& io_;
  const bool defer_immediate_;
  std::unordered_map<std::string, std::unique_ptr<host_pool>> pools_;  ///< By "host port"; kept for the pools' life.
  std::string key_;                                                    ///< Scratch for pool_for().
  bool stopping_ = false;
};

client_pools::client_pools(const client_config& config, std::shared_ptr<std::atomic<std::size_t>> open, asio::io_context& io,
                           bool defer_immediate)
    : state_(std::make_shared<state>(config, std::move(open), io, defer_immediate)) {}

client_pools::~client_pools() { stop(); }

void client_pools::submit(pending_request p) { state_->submit(std::move(p)); }

void client_pools::stop() noexcept {
  try {
    state_->stop();
  } catch (...) {}  // only an allocation failure for an error message; the sockets are closed by then
}

}  // namespace metronome::net::detail
