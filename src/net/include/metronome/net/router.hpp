// A method-and-path table for HTTP handlers (region and edge). It owns the
// HTTP rules that do not depend on what a route does:
//   - a path that matches no pattern: dispatch() returns false (the caller
//     may serve a file or answer 404);
//   - a path that matches but not with this method: 405 with `Allow`;
//   - HEAD on a GET route: the GET handler runs and the body is dropped
//     (HEAD is listed in Allow wherever GET is);
//   - a route that takes a JSON body: 415 unless Content-Type says JSON;
//   - {name} segments checked by the predicate given to param(): 404 when
//     it refuses, before the handler runs.
// Patterns are '/'-separated literals and {name} captures ("/v1/sessions/{id}").
// Empty segments in a request path are ignored ("//v1//sessions" matches).
// The table is built once, then only read: dispatch() is safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/net/http.hpp"

namespace metronome::net {

/// What a route requires of the request body.
enum class body_kind {
  any,            ///< No check (GET routes, or routes that read other types).
  json_optional,  ///< May be empty; when not blank, must be declared application/json.
  json,           ///< Must be declared application/json, even when empty (the handler refuses an empty one).
};

/// The {name} captures of a matched pattern, in order.
using path_params = std::vector<std::string>;

using route_handler = std::function<void(request&&, const path_params&, reply_fn)>;

class router {
 public:
  /// Adds a route. `pattern` doubles as the route name for metrics and logs.
  router& add(std::string method, std::string pattern, route_handler fn, body_kind body = body_kind::any);

  /// Checks every {name} capture: when `accept` refuses a value, the
  /// answer is 404 with "<not_found_prefix><value>".
  router& param(std::string_view name, std::function<bool(std::string_view)> accept, std::string not_found_prefix);

  /// Answers the request if its path matches a pattern (moving `req` and
  /// `reply` into the handler); false, with both untouched, otherwise.
  bool dispatch(request& req, reply_fn& reply) const;

  /// The Allow header value for `pattern`'s methods ("GET, HEAD"), or "".
  std::string allow_for(std::string_view pattern) const;

 private:
  struct route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  ///< "{id}" kept as written.
    route_handler fn;
    body_kind body;
  };
  struct param_rule {
    std::string name;
    std::function<bool(std::string_view)> accept;
    std::string not_found_prefix;
  };
  static bool match(const route& r, const std::vector<std::string_view>& parts, path_params& out);
  const param_rule* rule_for(std::string_view segment) const;

  std::vector<route> routes_;
  std::vector<param_rule> params_;
};

/// Splits a path on '/', skipping empty segments.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace metronome::net
