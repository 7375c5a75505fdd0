// Request-body decoding in the region API (src/region/json_codec.hpp):
// parse_object_body, the field readers, check_user_id, rule_from_value and
// the create-request reader the routes share, on arbitrary bytes.
//
// Contract checked: nothing crashes or throws; every refusal is
// errc::invalid_argument with a message; every field reader agrees with the
// value it read; whatever is accepted serializes back to JSON that parses to
// the same thing (rules through rule_to_json, bodies through serialize, and
// the session view built from them).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "json_codec.hpp"
#include "metronome/region/session_service.hpp"

namespace metronome::region {
// Defined in routes_v1.cpp (region-internal, shared with routes_game.cpp).
result<create_request> read_create_fields_for_game(const json::object& body);
}  // namespace metronome::region

namespace {

using namespace metronome;
using namespace metronome::region;

/// The names the routes read, plus every key of the body itself.
constexpr std::string_view route_fields[] = {"tick_ms", "tickMs", "rule",       "metadata", "mode",
                                             "user_id", "userId", "session_id", "gameId",   "region"};

void check_refusal(const error& e, const char* what) {
  FUZZ_CHECK(e.code == errc::invalid_argument, what);
  FUZZ_CHECK(!e.message.empty(), what);
}

/// Equal, except that doubles may differ in their last bits: Boost.JSON 1.81
/// does not round every decimal correctly when parsing (1.83 added
/// number_precision::precise), so serialize-then-parse can move a double by an
/// ulp or two. Anything else must come back exactly.
bool same_json(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    const double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= std::fabs(x) * 1e-15;
  }
  if (a.kind() != b.kind()) return a == b;  // int64 and uint64 of one value are equal
  if (a.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!same_json(p[i], q[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& kv : p) {
      const json::value* other = q.if_contains(kv.key());
      if (other == nullptr || !same_json(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

/// Serializes and parses back: must be valid JSON giving the same value.
void check_round_trip(const json::value& v, const char* what) {
  const std::string text = json::serialize(v);
  boost::system::error_code ec;
  const json::value back = json::parse(text, ec);
  FUZZ_CHECK(!ec, std::string(what) + ": not JSON: " + text.substr(0, 200));
  FUZZ_CHECK(same_json(back, v), std::string(what) + ": changed: " + text.substr(0, 200));
}

void check_rule(const json::value& v) {
  auto r = rule_from_value(v);
  if (!r) return check_refusal(r.error(), "rule_from_value: refusals must be invalid_argument");
  if (const auto* rr = std::get_if<engine::rounds_rule>(&*r)) {
    FUZZ_CHECK(rr->mean_interval >= 1 && rr->mean_interval <= engine::rounds_rule::max_mean_interval, "rounds.mean_interval out of range");
    FUZZ_CHECK(rr->jitter < rr->mean_interval, "rounds.jitter must be below mean_interval");
  } else {
    const auto bp = std::get<engine::lcg_counter_rule>(*r).break_probability;
    FUZZ_CHECK(bp >= 1 && bp <= engine::lcg_counter_rule::max_break_probability, "lcg-counter.break_probability out of range");
  }
  // What the store keeps (rule_to_json) must read back as the same rule.
  auto back = rule_from_json(rule_to_json(*r));
  FUZZ_CHECK(back && *back == *r, "rule_from_json(rule_to_json(r)) != r");
}

void check_field_readers(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  const bool absent = v == nullptr || v->is_null();

  auto s = optional_string(o, name);
  if (!s) {
    check_refusal(s.error(), "optional_string: refusals must be invalid_argument");
    FUZZ_CHECK(!absent && !v->is_string(), "optional_string refused a string or an absent field");
  } else if (!*s) {
    FUZZ_CHECK(absent, "optional_string returned nothing for a present field");
  } else {
    FUZZ_CHECK(v != nullptr && v->is_string() && v->as_string() == **s, "optional_string returned another value");
    auto ok = check_user_id(**s);
    bool want = !(*s)->empty() && (*s)->size() <= max_user_id_bytes;
    for (const char c : **s) want = want && static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
    FUZZ_CHECK(static_cast<bool>(ok) == want, "check_user_id disagrees with its contract");
    if (!ok) check_refusal(ok.error(), "check_user_id: refusals must be invalid_argument");
  }

  auto i = optional_int(o, name);
  const bool integral = v != nullptr && (v->is_int64() || (v->is_uint64() && v->get_uint64() <= INT64_MAX));
  if (!i) {
    check_refusal(i.error(), "optional_int: refusals must be invalid_argument");
    FUZZ_CHECK(!absent && !integral, "optional_int refused an integer or an absent field");
  } else if (!*i) {
    FUZZ_CHECK(absent, "optional_int returned nothing for a present field");
  } else {
    FUZZ_CHECK(integral, "optional_int accepted a non-integer");
    const std::int64_t want = v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64());
    FUZZ_CHECK(**i == want, "optional_int returned another value");
  }

  if (v != nullptr) check_rule(*v);
}

void check_create_fields(const json::object& o) {
  auto c = read_create_fields_for_game(o);
  if (!c) return check_refusal(c.error(), "create fields: refusals must be invalid_argument");
  if (c->tick_ms) FUZZ_CHECK(*c->tick_ms >= engine::min_tick_ms && *c->tick_ms <= engine::max_tick_ms, "tick_ms out of range");
  FUZZ_CHECK(c->metadata_json.size() <= max_metadata_bytes, "metadata over its limit was accepted");
  boost::system::error_code ec;
  const json::value meta = json::parse(c->metadata_json, ec);
  FUZZ_CHECK(!ec && meta.is_object(), "accepted metadata must be stored as a JSON object: " + c->metadata_json.substr(0, 200));

  // The session view of what would be stored must be valid JSON carrying the
  // same metadata and rule back.
  store::session_record rec;
  rec.id = "00000000-0000-4000-8000-000000000000";
  rec.user_id = "u";
  rec.region = "eu";
  rec.mode = c->mode;
  rec.rule_json = rule_to_json(c->rule);
  rec.metadata_json = c->metadata_json;
  rec.tick_ms = c->tick_ms.value_or(100);
  const json::value view = session_view(rec);
  check_round_trip(view, "session_view must serialize to JSON that parses back");
  FUZZ_CHECK(same_json(view.as_object().at("metadata"), meta), "session_view changed the metadata");
  check_round_trip(game_view(rec), "game_view must serialize to JSON that parses back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;

  auto strict = parse_object_body(body, false);
  auto lenient = parse_object_body(body, true);
  if (blank) {
    FUZZ_CHECK(!strict, "a blank body must be refused when a body is required");
    check_refusal(strict.error(), "blank body: refusal must be invalid_argument");
    FUZZ_CHECK(lenient && lenient->empty(), "a blank body must be {} when allowed");
    return 0;
  }
  FUZZ_CHECK(static_cast<bool>(strict) == static_cast<bool>(lenient), "allow_empty changed the verdict on a non-blank body");
  if (!strict) {
    check_refusal(strict.error(), "parse_object_body: refusals must be invalid_argument");
    return 0;
  }
  FUZZ_CHECK(*strict == *lenient, "allow_empty changed the parsed body");
  const json::object& o = *strict;
  check_round_trip(o, "an accepted body must re-serialize to the same object");

  check_rule(o);
  for (const auto name : route_fields) check_field_readers(o, name);
  std::size_t keys = 0;
  for (const auto& kv : o) {
    if (++keys > 16) break;
    check_field_readers(o, kv.key());
  }
  check_create_fields(o);
  return 0;
}
