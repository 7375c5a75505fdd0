// A client WebSocket's opening, for both pools (client_pool.cpp,
// world_pool.cpp, the only files that include it): TCP from a chosen
// loopback source address with SO_TIMESTAMPNS (stamped_recv.hpp) and
// TCP_NODELAY, then the RFC 6455 upgrade (ws_frame.hpp).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "ws_frame.hpp"

namespace metronome::load {

struct ws_target {
  boost::asio::ip::tcp::endpoint server;
  boost::asio::ip::address_v4 source;  ///< bound before connecting (127.0.0.K)
  std::string host_header, path_and_query, key, subprotocol;
};

/// Opens `sock` and upgrades it. Returns why it failed, or "". On success
/// `carry` holds whatever came after the answer's head (already frames).
inline boost::asio::awaitable<std::string> ws_connect(boost::asio::ip::tcp::socket& sock, const ws_target& t, std::string& carry) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
  boost::system::error_code ec;
  sock.open(tcp::v4(), ec);
  if (ec) co_return "socket: " + ec.message();
  const int one = 1;
  // Let connect() pick the source port per destination, so that the same
  // port can serve several (source, destination) pairs.
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  sock.bind(tcp::endpoint(t.source, 0), ec);
  if (ec) co_return "bind " + t.source.to_string() + ": " + ec.message();
  if (auto [cec] = co_await sock.async_connect(t.server, use_tuple); cec) co_return "connect: " + cec.message();
  sock.set_option(tcp::no_delay(true), ec);
  const std::string request = ws::handshake_request(t.host_header, t.path_and_query, t.key, t.subprotocol);
  if (auto [wec, n] = co_await asio::async_write(sock, asio::buffer(request), use_tuple); wec)
    co_return "handshake write: " + wec.message();
  auto [rec, head_len] = co_await asio::async_read_until(sock, asio::dynamic_buffer(carry, 16384), "\r\n\r\n", use_tuple);
  if (rec) co_return "handshake read: " + rec.message();
  if (auto why = ws::check_handshake_response(std::string_view(carry).substr(0, head_len)); !why.empty()) co_return why;
  carry.erase(0, head_len);
  co_return "";
}

}  // namespace metronome::load
