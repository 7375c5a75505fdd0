#include "metronome/net/http_errors.hpp"

#include "metronome/core/json_text.hpp"

namespace metronome::net {

unsigned http_status_for(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return 400;
    case errc::unauthorized: return 401;
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::method_not_allowed: return 405;
    case errc::conflict: return 409;
    case errc::payload_too_large: return 413;
    case errc::unsupported_media_type: return 415;
    case errc::unavailable: return 503;
    case errc::timeout: return 504;
    case errc::internal: return 500;
  }
  return 500;
}

response error_response(const error& e) {
  response r;
  r.status = http_status_for(e.code);
  r.body = R"({"error":{"code":")";
  r.body += errc_name(e.code);
  r.body += R"(","message":")";
  append_json_escaped(r.body, e.message);
  r.body += "\"}}";
  return r;
}

}  // namespace metronome::net
