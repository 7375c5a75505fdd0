// Answering helpers the edge's route files share.
#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "metronome/net/http.hpp"
#include "metronome/net/http_errors.hpp"

namespace metronome::edge::detail {

inline void reply_error(const net::reply_fn& reply, const error& e, const char* route) {
  net::response r = net::error_response(e);
  r.route = route;
  reply(std::move(r));
}

inline void reply_json(const net::reply_fn& reply, unsigned status, const boost::json::value& v, const char* route) {
  net::response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  r.route = route;
  reply(std::move(r));
}

}  // namespace metronome::edge::detail
