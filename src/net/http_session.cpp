// One HTTP/1.1 connection as a coroutine: read a request within the limits,
// hand it to the handler, wait for its reply (or the handler timeout), write
// the response, repeat while keep-alive.
#include <array>
#include <atomic>
#include <chrono>
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
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "detail/websocket_start.hpp"
#include "detail/worker.hpp"
#include "metronome/core/random.hpp"
#include "metronome/net/http_errors.hpp"

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/// The handler's answer, delivered on the worker's thread.
struct reply_slot {
  explicit reply_slot(asio::io_context& io) : wake(io, steady::time_point::max()) {}
  asio::steady_timer wake;  ///< Used as an event: cancelled when the reply lands.
  std::optional<response> reply;
  /// While the handler runs on the worker's thread: a reply given from that
  /// thread (SQLite answers inline) is stored directly, with no post and no
  /// timer. Other threads always post.
  std::atomic<bool> in_handler{false};
  std::thread::id worker_thread;
};

/// Held by every copy of the reply_fn; if the last copy dies unanswered the
/// client gets a 500 rather than waiting for the handler timeout.
struct reply_guard {
  reply_guard(asio::io_context& io, std::shared_ptr<reply_slot> slot) : io_(io), slot_(std::move(slot)) {}
  ~reply_guard() {
    if (!answered_.exchange(true)) {
      deliver(error_response(make_error(errc::internal, "the handler dropped the request without answering")));
    }
  }
  void answer(response r) {
    if (answered_.exchange(true)) return;
    if (slot_->in_handler.load() && std::this_thread::get_id() == slot_->worker_thread) {
      slot_->reply = std::move(r);
      return;
    }
    deliver(std::move(r));
  }

 private:
  void deliver(response r) {
    asio::post(io_, [slot = slot_, r = std::move(r)]() mutable {
      if (slot->reply) return;
      slot->reply = std::move(r);
      slot->wake.cancel();
    });
  }
  asio::io_context& io_;
  std::shared_ptr<reply_slot> slot_;
  std::atomic<bool> answered_{false};
};

std::string new_request_id() {
  thread_local std::uint64_t state = random_seed();
  state += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  std::array<std::uint8_t, 8> bytes{};
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(z >> (8 * i));
  return to_hex(bytes);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

request to_request(http::request<http::string_body>&& msg, const std::string& remote) {
  request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(8);
  for (const auto& field : msg) req.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  req.body = std::move(msg.body());
  req.remote_address = remote;
  req.keep_alive = msg.keep_alive();
  const std::string_view given = req.header("x-request-id");
  req.request_id = valid_request_id(given) ? std::string(given) : new_request_id();
  return req;
}

/// Maps a read error to the response sent before closing, if any.
std::optional<response> response_for_read_error(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return error_response(make_error(errc::payload_too_large, "request body too large"));
  if (ec == http::error::header_limit) {
    response r = error_response(make_error(errc::invalid_argument, "request header fields too large"));
    r.status = 431;
    return r;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    return error_response(make_error(errc::invalid_argument, "malformed HTTP request: " + ec.message()));
  }
  return std::nullopt;  // timeouts, resets, end of stream: just close
}

class http_session {
 public:
  http_session(worker& w, tcp::socket socket) : worker_(w), stream_(std::move(socket)) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string() : ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    slot_.socket = &stream_.socket();
    worker_.slots_.insert(&slot_);
  }
  ~http_session() {
    worker_.slots_.erase(&slot_);
    if (!handed_off_) worker_.shared_->connections.fetch_sub(1);  // else the WebSocket session owns the count
  }

  asio::awaitable<void> run() {
    const server_config& cfg = worker_.shared_->config;
    std::size_t served = 0;
    for (;;) {
      if (worker_.shared_->draining.load()) break;
      // Idle: wait for the first byte of the next request.
      slot_.busy = false;
      if (buffer_.size() == 0) {
        stream_.expires_after(cfg.idle_timeout);
        beast::error_code ec;
        const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(4096), asio::redirect_error(use_awaitable, ec));
        if (ec) break;
        buffer_.commit(n);
      }
      slot_.busy = true;
      const auto started = steady::now();

      // Read the request: header, then (after 100-continue if asked) body.
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(cfg.header_limit));
      parser.body_limit(cfg.body_limit);
      stream_.expires_after(cfg.read_timeout);
      beast::error_code ec;
      co_await http::async_read_header(stream_, buffer_, parser, asio::redirect_error(use_awaitable, ec));
      if (!ec && !parser.is_done()) {
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
          co_await asio::async_write(stream_, asio::buffer(cont), asio::redirect_error(use_awaitable, ec));
        }
        if (!ec) co_await http::async_read(stream_, buffer_, parser, asio::redirect_error(use_awaitable, ec));
      }
      if (ec) {
        if (auto r = response_for_read_error(ec)) {
          request unparsed;
          unparsed.request_id = new_request_id();
          unparsed.remote_address = remote_;
          co_await write(unparsed, std::move(*r), false, started);
        }
        break;
      }

      if (worker_.shared_->on_ws_open && boost::beast::websocket::is_upgrade(parser.get())) {
        const std::string_view target = parser.get().target();
        if (target.substr(0, target.find('?')) == worker_.shared_->websocket.path) {
          auto upgrade = parser.release();
          request converted;
          converted.method = "GET";
          converted.target = std::string(upgrade.target());
          const auto q = converted.target.find('?');
          converted.path = converted.target.substr(0, q);
          if (q != std::string::npos) converted.query = converted.target.substr(q + 1);
          for (const auto& field : upgrade) converted.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
          converted.remote_address = remote_;
          converted.request_id = new_request_id();
          handed_off_ = true;
          start_websocket_session(worker_, std::move(stream_), std::move(upgrade), std::move(converted));
          co_return;
        }
      }
      request req = to_request(parser.release(), remote_);
      const bool keep_alive = req.keep_alive && ++served < cfg.max_requests_per_connection;
      response res = co_await dispatch(std::move(req));
      if (!co_await write(last_request_, std::move(res), keep_alive, started)) break;
      if (!keep_alive) break;
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  /// Hands the request to the handler and waits for its reply or the timeout.
  asio::awaitable<response> dispatch(request req) {
    auto slot = std::make_shared<reply_slot>(worker_.io_);
    auto guard = std::make_shared<reply_guard>(worker_.io_, slot);
    // What the access log needs survives the move into the handler.
    last_request_.method = req.method;
    last_request_.path = req.path;
    last_request_.request_id = req.request_id;
    last_request_.remote_address = req.remote_address;
    slot->worker_thread = std::this_thread::get_id();
    slot->in_handler = true;
    try {
      worker_.shared_->on_request(std::move(req), [guard](response r) { guard->answer(std::move(r)); });
    } catch (const std::exception& e) {
      guard->answer(error_response(make_error(errc::internal, std::string("handler failed: ") + e.what())));
    }
    slot->in_handler = false;
    guard.reset();  // from now on only the handler's copies keep it alive
    if (!slot->reply) {
      slot->wake.expires_after(worker_.shared_->config.handler_timeout);
      beast::error_code ec;
      co_await slot->wake.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    if (slot->reply) co_return std::move(*slot->reply);
    co_return error_response(make_error(errc::timeout, "the request took too long to handle"));
  }

  /// Writes `res`; returns false if the connection is gone.
  asio::awaitable<bool> write(const request& req, response res, bool keep_alive, steady::time_point started) {
    http::response<http::string_body> msg{static_cast<http::status>(res.status), 11};
    msg.set(http::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) msg.insert(name, value);
    msg.set("X-Request-Id", req.request_id);
    msg.keep_alive(keep_alive);
    msg.body() = std::move(res.body);
    msg.prepare_payload();
    const std::size_t bytes = msg.body().size();
    stream_.expires_after(worker_.shared_->config.write_timeout);
    beast::error_code ec;
    co_await http::async_write(stream_, msg, asio::redirect_error(use_awaitable, ec));
    if (worker_.shared_->on_exchange) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started);
      worker_.shared_->on_exchange(exchange_summary{req, res.status, res.route, took, bytes});
    }
    co_return !ec;
  }

  worker& worker_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  connection_slot slot_;
  request last_request_;
  bool handed_off_ = false;  ///< The stream now belongs to a WebSocket session.
};

}  // namespace

void start_http_session(worker& w, tcp::socket socket) {
  auto session = std::make_shared<http_session>(w, std::move(socket));
  asio::co_spawn(w.io_, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
}

}  // namespace metronome::net::detail
