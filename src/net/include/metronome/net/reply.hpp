// Answering helpers every route file shares (region and edge): a JSON body,
// a pre-written JSON text, or an error through the one errc-to-HTTP mapping
// (http_errors.hpp). `route` is the template recorded for metrics and logs.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"
#include "metronome/net/http.hpp"

namespace metronome::net {

/// Serializes `body` and replies with `status`.
void reply_json(const reply_fn& reply, unsigned status, const boost::json::value& body, std::string_view route);

/// Replies with `body`, which the caller guarantees is valid JSON.
void reply_json_text(const reply_fn& reply, unsigned status, std::string body, std::string_view route);

/// Replies with the status and {"error":{...}} body for `e`.
void reply_error(const reply_fn& reply, const error& e, std::string_view route);

/// 405 with `Allow: <allow>` and an error body naming the allowed methods.
void reply_method_not_allowed(const reply_fn& reply, std::string_view allow, std::string_view route);

/// Whether the request declares a JSON body: Content-Type's media type is
/// application/json (case-insensitive, parameters such as charset ignored).
bool declares_json(const request& req);

}  // namespace metronome::net
