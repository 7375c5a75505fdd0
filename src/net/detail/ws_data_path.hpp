// The data path of an upgraded WebSocket connection, on the raw socket
// (Asio's reactor for readiness only; no Beast). Defined in ws_data_path.cpp.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "detail/worker.hpp"

namespace metronome::net::detail {

/// Takes over `socket` (already upgraded: the 101 answer is written) and the
/// connection's count, opens the application's handler with `upgrade`, and
/// runs the connection to its end on `w`'s thread.
void start_ws_data_path(worker& w, boost::asio::ip::tcp::socket socket, std::string subprotocol, const request& upgrade);

}  // namespace metronome::net::detail
