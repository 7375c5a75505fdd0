// Small helpers the route files share for answering.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "metronome/net/http.hpp"
#include "metronome/net/http_errors.hpp"

namespace metronome::region::detail {

inline void reply_json(const net::reply_fn& reply, unsigned status, const boost::json::object& body, const char* route) {
  net::response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  r.route = route;
  reply(std::move(r));
}

inline void reply_json_text(const net::reply_fn& reply, unsigned status, std::string body, const char* route) {
  net::response r;
  r.status = status;
  r.body = std::move(body);
  r.route = route;
  reply(std::move(r));
}

inline void reply_error(const net::reply_fn& reply, const error& e, const char* route) {
  net::response r = net::error_response(e);
  r.route = route;
  reply(std::move(r));
}

/// Replies 415 unless a non-empty body is declared as JSON.
bool require_json(const net::request& req, const net::reply_fn& reply, const char* route);

}  // namespace metronome::region::detail
