#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace metronome::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct ws_client::impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  bool connected = false, closed = false, reading = false;
  std::string subprotocol;
  std::optional<ws_message> ready;
  beast::error_code read_ec;
};

ws_client::ws_client(std::uint16_t port, const std::string& path, const std::string& subprotocol) : impl_(std::make_unique<impl>()) {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::seconds(5));
  beast::get_lowest_layer(impl_->ws).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  impl_->ws.set_option(websocket::stream_base::decorator([subprotocol](websocket::request_type& req) {
    if (!subprotocol.empty()) req.set(beast::http::field::sec_websocket_protocol, subprotocol);
  }));
  websocket::response_type res;
  impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), path, ec);
  if (ec) return;
  impl_->subprotocol = std::string(res[beast::http::field::sec_websocket_protocol]);
  beast::get_lowest_layer(impl_->ws).expires_never();
  impl_->connected = true;
}

ws_client::~ws_client() {
  if (impl_->connected && !impl_->closed) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  }
}

bool ws_client::connected() const noexcept { return impl_->connected; }
const std::string& ws_client::subprotocol() const noexcept { return impl_->subprotocol; }
bool ws_client::closed() const noexcept { return impl_->closed; }
std::uint16_t ws_client::close_code() const noexcept { return impl_->ws.reason().code; }

bool ws_client::send_text(const std::string& text) {
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text), ec);
  return !ec;
}

bool ws_client::send_binary(const std::string& bytes) {
  beast::error_code ec;
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(bytes), ec);
  return !ec;
}

std::optional<ws_message> ws_client::read(std::chrono::milliseconds timeout) {
  if (!impl_->connected || impl_->closed) return std::nullopt;
  // One asynchronous read stays outstanding across calls; a call waits for
  // it up to `timeout`.
  if (!impl_->reading) {
    impl_->reading = true;
    impl_->ws.async_read(impl_->buffer, [this](beast::error_code ec, std::size_t) {
      impl_->reading = false;
      if (ec) {
        impl_->closed = true;
        impl_->read_ec = ec;
        return;
      }
      impl_->ready = ws_message{beast::buffers_to_string(impl_->buffer.data()), impl_->ws.got_binary()};
      impl_->buffer.consume(impl_->buffer.size());
    });
  }
  impl_->io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->ready && !impl_->closed && std::chrono::steady_clock::now() < deadline) {
    impl_->io.run_one_until(deadline);
  }
  auto out = std::move(impl_->ready);
  impl_->ready.reset();
  return out;
}

void ws_client::close() {
  if (!impl_->connected || impl_->closed) return;
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  impl_->closed = true;
}

}  // namespace metronome::test
