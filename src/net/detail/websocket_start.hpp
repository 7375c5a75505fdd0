// Hands an upgraded connection from the HTTP session to a WebSocket session.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "detail/worker.hpp"

namespace metronome::net::detail {

/// Takes over `stream` (and the connection's count and shutdown slot) and
/// completes the handshake for `upgrade`. Defined in websocket_session.cpp.
void start_websocket_session(worker& w, boost::beast::tcp_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> upgrade, request converted);

}  // namespace metronome::net::detail
