#include "metronome/net/http_errors.hpp"

#include <cstdio>

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

void append_json_escaped(std::string& out, std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
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
