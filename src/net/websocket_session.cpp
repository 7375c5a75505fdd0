// The opening handshake of a WebSocket connection (Beast: the upgrade
// answer, with the subprotocol choice), then a hand-over of the raw socket
// to the project's own data path (ws_data_path.cpp). Beast's stream, its
// buffers and timers are gone once the handshake is done: an idle
// connection costs only what the data path keeps.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include "detail/websocket_start.hpp"
#include "detail/ws_data_path.hpp"

namespace metronome::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

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

asio::awaitable<void> handshake(worker& w, beast::tcp_stream stream, beast::http::request<beast::http::string_body> upgrade,
                                request converted) {
  const ws_config& cfg = w.shared_->websocket;
  websocket::stream<beast::tcp_stream> ws(std::move(stream));
  // Shutdown may close the socket while the answer is being written.
  connection_slot slot;
  slot.socket = &beast::get_lowest_layer(ws).socket();
  w.slots_.insert(&slot);
  struct unslot {
    worker& w;
    connection_slot* s;
    ~unslot() { w.slots_.erase(s); }
  } guard{w, &slot};
  beast::get_lowest_layer(ws).expires_after(cfg.handshake_timeout);
  std::string subprotocol = choose_subprotocol(upgrade[beast::http::field::sec_websocket_protocol], cfg.subprotocols);
  ws.set_option(websocket::stream_base::decorator([sp = subprotocol](websocket::response_type& res) {
    if (!sp.empty()) res.set(beast::http::field::sec_websocket_protocol, sp);
  }));
  beast::error_code ec;
  co_await ws.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    w.shared_->connections.fetch_sub(1);  // the data path never took it over
    co_return;
  }
  beast::get_lowest_layer(ws).expires_never();
  start_ws_data_path(w, beast::get_lowest_layer(ws).release_socket(), std::move(subprotocol), converted);
}

}  // namespace

void start_websocket_session(worker& w, beast::tcp_stream stream, beast::http::request<beast::http::string_body> upgrade,
                             request converted) {
  asio::co_spawn(w.io_, handshake(w, std::move(stream), std::move(upgrade), std::move(converted)), asio::detached);
}

}  // namespace metronome::net::detail
