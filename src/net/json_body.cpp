#include "metronome/net/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

namespace metronome::net {
namespace {

/// Boost.JSON reads 1e400 as infinity, which cannot be written back as JSON.
bool all_numbers_finite(const boost::json::value& v) {
  if (const auto* d = v.if_double()) return std::isfinite(*d);
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) {
      if (!all_numbers_finite(e)) return false;
    }
  }
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (!all_numbers_finite(kv.value())) return false;
    }
  }
  return true;
}

}  // namespace

result<boost::json::object> parse_object_body(std::string_view body, bool allow_empty) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (allow_empty) return boost::json::object{};
    return make_error(errc::invalid_argument, "a JSON object body is required");
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 32;
  boost::json::value v = boost::json::parse(body, ec, {}, opts);
  if (ec) return make_error(errc::invalid_argument, "malformed JSON body: " + ec.message());
  if (!v.is_object()) return make_error(errc::invalid_argument, "the body must be a JSON object");
  if (!all_numbers_finite(v)) return make_error(errc::invalid_argument, "numbers must be finite (1e400 is not)");
  return std::move(v.as_object());
}

}  // namespace metronome::net
