// HTTP requests and responses as the rest of Metronome sees them: plain
// structs, no Beast. A handler gets a request and a reply_fn, and calls the
// reply_fn exactly once, from any thread, now or later.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metronome::net {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;   ///< "GET", "POST", ... as sent.
  std::string target;   ///< Path and query as sent.
  std::string path;     ///< Target up to '?', percent-decoding left to the router.
  std::string query;    ///< After '?', without it.
  header_list headers;  ///< Names lower-cased.
  std::string body;
  std::string remote_address;  ///< Peer IP.
  std::string request_id;      ///< X-Request-Id as accepted or generated.
  bool keep_alive = true;

  /// The first header of that (lower-case) name, or "".
  std::string_view header(std::string_view lower_name) const noexcept;
  /// The first value of a query parameter (percent-decoded), or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  header_list headers;  ///< Extra headers (Allow, Location, ...).
  std::string body;
  std::string route;  ///< Route template for metrics and logs ("/v1/sessions/{id}"); not sent.
};

/// Completes a request. Callable once from any thread; copies share one
/// state. If every copy is destroyed without a call, the client gets a 500
/// (and the server logs it): a lost reply never hangs a connection.
using reply_fn = std::function<void(response)>;

using handler = std::function<void(request&&, reply_fn)>;

/// Called after each response is written (for access logs and metrics).
struct exchange_summary {
  const request& req;
  unsigned status;
  std::string_view route;
  std::chrono::microseconds duration;
  std::size_t response_bytes;
};
using exchange_observer = std::function<void(const exchange_summary&)>;

/// Decodes %XX and '+' (as space) in a query component. nullopt if malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = true);

/// Whether a client-supplied X-Request-Id is acceptable to echo and log:
/// 1 to 128 characters of [A-Za-z0-9._:-].
bool valid_request_id(std::string_view id) noexcept;

}  // namespace metronome::net
