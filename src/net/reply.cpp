#include "metronome/net/reply.hpp"

#include <boost/json/serialize.hpp>

#include "metronome/net/http_errors.hpp"

namespace metronome::net {

void reply_json(const reply_fn& reply, unsigned status, const boost::json::value& body, std::string_view route) {
  reply_json_text(reply, status, boost::json::serialize(body), route);
}

void reply_json_text(const reply_fn& reply, unsigned status, std::string body, std::string_view route) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.route = route;
  reply(std::move(r));
}

void reply_error(const reply_fn& reply, const error& e, std::string_view route) {
  response r = error_response(e);
  r.route = route;
  reply(std::move(r));
}

void reply_method_not_allowed(const reply_fn& reply, std::string_view allow, std::string_view route) {
  response r = error_response(make_error(errc::method_not_allowed, "allowed methods: " + std::string(allow)));
  r.headers.emplace_back("Allow", std::string(allow));
  r.route = route;
  reply(std::move(r));
}

bool declares_json(const request& req) {
  std::string_view type = req.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  constexpr std::string_view json = "application/json";
  if (type.size() != json.size()) return false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = type[i] >= 'A' && type[i] <= 'Z' ? static_cast<char>(type[i] - 'A' + 'a') : type[i];
    if (c != json[i]) return false;
  }
  return true;
}

}  // namespace metronome::net
