// One WebSocket connection: the handshake (with subprotocol choice), a read
// loop that hands messages to the application, and a write loop draining a
// bounded queue in which frames with a coalesce key are replaced, not
// appended, and ping control frames whose pongs go to the handler. Lives on one worker thread; the application calls it only there.
#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "detail/websocket_start.hpp"

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;

/// The first of the server's subprotocols that the client offered.
std::string choose_subprotocol(std::string_view offered, const std::vector<std::string>& ours) {
  for (const auto& mine : ours) {
    std::string_view rest = offered;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == mine) return mine;
    }
  }
  return {};
}

class ws_session final : public ws_connection, public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(worker& w, beast::tcp_stream&& stream, std::string remote)
      : worker_(w), ws_(std::move(stream)), remote_(std::move(remote)), write_deadline_(w.io_) {
    slot_.socket = &beast::get_lowest_layer(ws_).socket();
    worker_.slots_.insert(&slot_);
  }
  ~ws_session() override {
    worker_.slots_.erase(&slot_);
    worker_.shared_->connections.fetch_sub(1);
  }

  asio::awaitable<void> run(beast::http::request<beast::http::string_body> upgrade, request converted) {
    const ws_config& cfg = worker_.shared_->websocket;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts apply from here
    websocket::stream_base::timeout t{};
    t.handshake_timeout = cfg.handshake_timeout;
    t.idle_timeout = cfg.idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(cfg.max_message_bytes);
    ws_.auto_fragment(false);
    subprotocol_ = choose_subprotocol(upgrade[beast::http::field::sec_websocket_protocol], cfg.subprotocols);
    ws_.set_option(websocket::stream_base::decorator([sp = subprotocol_](websocket::response_type& res) {
      if (!sp.empty()) res.set(beast::http::field::sec_websocket_protocol, sp);
    }));
    beast::error_code ec;
    co_await ws_.async_accept(upgrade, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    open_ = true;
    slot_.busy = false;
    handler_ = worker_.shared_->on_ws_open(shared_from_this(), converted);
    if (!handler_) close(close_code::internal_error, "internal error");
    // Runs inside async_read, which holds this session alive.
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
      if (kind == websocket::frame_type::pong && handler_ && !closing_) handler_->on_pong(std::string_view(payload.data(), payload.size()));
    });

    beast::flat_buffer in;
    for (;;) {
      co_await ws_.async_read(in, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      if (handler_ && !closing_) {
        const auto data = in.cdata();
        handler_->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()), ws_.got_binary());
      }
      in.consume(in.size());
    }
    open_ = false;
    closing_ = true;
    if (auto h = std::move(handler_)) h->on_close();
  }

  void send(ws_frame frame) override {
    if (closing_ || !open_ || !frame.data) return;
    const std::size_t size = frame.data->size();
    if (frame.coalesce_key != 0) {
      // The front entry may be on the wire: only later ones can be replaced.
      for (std::size_t i = writing_ ? 1 : 0; i < queue_.size(); ++i) {
        entry& e = queue_[i];
        if (e.kind == entry_kind::frame && e.frame.coalesce_key == frame.coalesce_key) {
          queued_bytes_ = queued_bytes_ - e.frame.data->size() + size;
          e.frame = std::move(frame);
          return;
        }
      }
    }
    queued_bytes_ += size;
    queue_.push_back(entry{std::move(frame), entry_kind::frame, 0, {}});
    if (queued_bytes_ > worker_.shared_->websocket.max_queue_bytes) {
      // Slow consumer: drop what has not started, then close.
      while (queue_.size() > (writing_ ? 1u : 0u)) {
        queued_bytes_ -= queue_.back().kind == entry_kind::frame ? queue_.back().frame.data->size() : 0;
        queue_.pop_back();
      }
      close(close_code::slow_consumer, "slow consumer");
      return;
    }
    if (!writing_) start_writer();
  }

  void ping(std::string_view payload) override {
    if (closing_ || !open_) return;
    payload = payload.substr(0, websocket::ping_data::static_capacity);
    for (std::size_t i = writing_ ? 1 : 0; i < queue_.size(); ++i) {
      if (queue_[i].kind == entry_kind::ping) {
        queue_[i].text.assign(payload);
        return;
      }
    }
    queue_.push_back(entry{{}, entry_kind::ping, 0, std::string(payload)});
    if (!writing_) start_writer();
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_) return;
    closing_ = true;
    queue_.push_back(entry{{}, entry_kind::close, code, std::string(reason)});
    if (!writing_) start_writer();
  }

  loop& owner() noexcept override { return worker_.loop_; }
  const std::string& subprotocol() const noexcept override { return subprotocol_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::size_t queued_bytes() const noexcept override { return queued_bytes_; }
  bool open() const noexcept override { return open_ && !closing_; }

 private:
  enum class entry_kind : std::uint8_t { frame, ping, close };
  struct entry {
    ws_frame frame;
    entry_kind kind = entry_kind::frame;
    std::uint16_t code = 0;  ///< close
    std::string text;        ///< close: the reason; ping: the payload
  };

  void start_writer() {
    writing_ = true;
    asio::co_spawn(
        worker_.io_, [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->write_loop(); }, asio::detached);
  }

  asio::awaitable<void> write_loop() {
    beast::error_code ec;
    while (!queue_.empty()) {
      // A write that does not finish in time (the peer stopped reading and
      // the socket buffer is full) ends the connection.
      write_deadline_.expires_after(worker_.shared_->websocket.write_timeout);
      write_deadline_.async_wait([weak = weak_from_this()](const beast::error_code& e) {
        if (e) return;
        if (auto self = weak.lock()) {
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws_).socket().close(ignored);
        }
      });
      entry& e = queue_.front();
      if (e.kind == entry_kind::close) {
        co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(e.code), e.text),
                                 asio::redirect_error(use_awaitable, ec));
        write_deadline_.cancel();
        queue_.clear();
        queued_bytes_ = 0;
        break;
      }
      if (e.kind == entry_kind::ping) {
        co_await ws_.async_ping(websocket::ping_data(e.text.data(), e.text.size()), asio::redirect_error(use_awaitable, ec));
      } else {
        ws_.binary(e.frame.binary);
        co_await ws_.async_write(asio::buffer(*e.frame.data), asio::redirect_error(use_awaitable, ec));
        queued_bytes_ -= e.frame.data->size();
      }
      write_deadline_.cancel();
      queue_.pop_front();
      if (ec) {
        queue_.clear();
        queued_bytes_ = 0;
        break;
      }
    }
    writing_ = false;
  }

  worker& worker_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string remote_, subprotocol_;
  connection_slot slot_{nullptr, true};
  std::shared_ptr<ws_session_handler> handler_;
  std::deque<entry> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false, closing_ = false, open_ = false;
  asio::steady_timer write_deadline_;
};

}  // namespace

void start_websocket_session(worker& w, beast::tcp_stream stream, beast::http::request<beast::http::string_body> upgrade,
                             request converted) {
  auto session = std::make_shared<ws_session>(w, std::move(stream), converted.remote_address);
  asio::co_spawn(
      w.io_,
      [session, upgrade = std::move(upgrade), converted = std::move(converted)]() mutable -> asio::awaitable<void> {
        co_await session->run(std::move(upgrade), std::move(converted));
      },
      asio::detached);
}

}  // namespace metronome::net::detail
