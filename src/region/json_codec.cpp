#include "json_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "metronome/net/http_errors.hpp"

namespace metronome::region {
namespace {

result<std::uint32_t> rule_param(const json::object& o, std::string_view name, std::int64_t lo, std::int64_t hi, std::uint32_t fallback) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return fallback;
  const auto* i = v->if_int64();
  const auto* u = v->if_uint64();
  const std::int64_t n = i ? *i : (u && *u <= static_cast<std::uint64_t>(hi) ? static_cast<std::int64_t>(*u) : hi + 1);
  if ((i == nullptr && u == nullptr) || n < lo || n > hi) {
    return make_error(errc::invalid_argument,
                      "rule." + std::string(name) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<std::uint32_t>(n);
}

}  // namespace

json::object rule_to_object(const engine::rule& r) {
  json::object o;
  if (const auto* rr = std::get_if<engine::rounds_rule>(&r)) {
    o["name"] = "rounds";
    o["mean_interval"] = rr->mean_interval;
    o["jitter"] = rr->jitter;
  } else {
    o["name"] = "lcg-counter";
    o["break_probability"] = std::get<engine::lcg_counter_rule>(r).break_probability;
  }
  return o;
}

std::string rule_to_json(const engine::rule& r) { return json::serialize(rule_to_object(r)); }

result<engine::rule> rule_from_value(const json::value& v) {
  json::object o;
  if (v.is_string()) {
    o["name"] = v.as_string();
  } else if (v.is_object()) {
    o = v.as_object();
  } else {
    return make_error(errc::invalid_argument, "rule must be a rule name or an object with a name");
  }
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string()) return make_error(errc::invalid_argument, "rule.name must be a string");
  const std::string_view n = name->as_string();
  if (n == engine::rounds_rule::name) {
    auto mean = rule_param(o, "mean_interval", 1, engine::rounds_rule::max_mean_interval, 50);
    if (!mean) return mean.error();
    auto jitter = rule_param(o, "jitter", 0, std::int64_t{*mean} - 1, *mean - 1);
    if (!jitter) return jitter.error();
    return engine::rule{engine::rounds_rule{.mean_interval = *mean, .jitter = *jitter}};
  }
  if (n == engine::lcg_counter_rule::name) {
    auto bp = rule_param(o, "break_probability", 1, engine::lcg_counter_rule::max_break_probability, 50);
    if (!bp) return bp.error();
    return engine::rule{engine::lcg_counter_rule{*bp}};
  }
  return make_error(errc::invalid_argument, "unknown rule '" + std::string(n) + "' (expected rounds or lcg-counter)");
}

result<engine::rule> rule_from_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return make_error(errc::invalid_argument, "rule is not JSON");
  return rule_from_value(v);
}

namespace {

void append_string_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  net::append_json_escaped(out, value);
  out.push_back('"');
}

void append_int_field(std::string& out, std::string_view name, std::int64_t value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

}  // namespace

std::string session_view_json(const store::session_record& s, std::string_view extra) {
  std::string out;
  out.reserve(512 + s.metadata_json.size());
  out += "{\"id\":\"";
  net::append_json_escaped(out, s.id);
  out.push_back('"');
  if (s.seed_visible()) {
    append_string_field(out, "seed", std::to_string(s.seed));
  } else {
    out += ",\"seed\":null";
  }
  append_string_field(out, "start_at", rfc3339_ms(s.start_at_ms));
  append_int_field(out, "start_at_ms", s.start_at_ms);
  append_int_field(out, "tick_ms", s.tick_ms);
  out += ",\"rule\":";
  out += s.rule_json;  // written by rule_to_json: valid JSON
  out += ",\"metadata\":";
  out += s.metadata_json;  // checked and re-serialized on the way in: valid JSON
  append_string_field(out, "status", s.public_status(store::status_vocabulary::v1));
  append_string_field(out, "region", s.region);
  append_string_field(out, "mode", store::mode_name(s.mode));
  if (!s.user_id.empty()) append_string_field(out, "user_id", s.user_id);
  append_string_field(out, "created_at", rfc3339_ms(s.created_at_ms));
  if (s.ended_at_ms) append_string_field(out, "ended_at", rfc3339_ms(*s.ended_at_ms));
  if (s.mode == store::session_mode::server) {
    out += ",\"commitment\":{\"algorithm\":\"sha256\",\"value\":\"";
    net::append_json_escaped(out, s.commitment);
    out += "\"}";
    if (s.seed_visible()) append_string_field(out, "salt", s.salt);
  }
  out += extra;
  out.push_back('}');
  return out;
}

json::object session_view(const store::session_record& s) { return json::parse(session_view_json(s)).as_object(); }

json::object game_view(const store::session_record& s) {
  json::object o;
  // Seed 000.
  o["gameId"] = s.id;
  if (s.seed_visible()) {
    o["seed"] = s.seed;  // < 2^53: exact as a JavaScript number
  } else {
    o["seed"] = nullptr;
  }
  o["startAt"] = s.start_at_ms;
  o["tickMs"] = s.tick_ms;
  // Seed 002.
  o["session_id"] = s.id;
  o["user_id"] = s.user_id;
  o["region"] = s.region;
  o["started_at"] = rfc3339_ms(s.created_at_ms);
  o["status"] = s.public_status(store::status_vocabulary::seed002);
  if (s.ended_at_ms) o["exited_at"] = rfc3339_ms(*s.ended_at_ms);
  // Metronome.
  boost::system::error_code ec;
  o["rule"] = json::parse(s.rule_json, ec);
  o["mode"] = store::mode_name(s.mode);
  if (s.mode == store::session_mode::server) o["commitment"] = commitment_view(s.commitment);
  return o;
}

json::object commitment_view(std::string_view hex) { return json::object{{"algorithm", "sha256"}, {"value", hex}}; }

json::object state_view(const engine::state& st) {
  json::object o;
  o["phase"] = engine::phase_name(st.phase);
  o["step"] = st.step;
  o["value"] = st.value;
  o["round"] = st.round;
  o["broken"] = st.broken;
  if (st.phase == engine::phase::countdown) o["remaining_ms"] = st.remaining_ms;
  return o;
}

result<std::optional<std::string>> optional_string(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return make_error(errc::invalid_argument, std::string(name) + " must be a string");
  return std::optional<std::string>{std::string(v->as_string())};
}

result<std::optional<std::int64_t>> optional_int(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>{};
  if (const auto* i = v->if_int64()) return std::optional<std::int64_t>{*i};
  if (const auto* u = v->if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX)) {
    return std::optional<std::int64_t>{static_cast<std::int64_t>(*u)};
  }
  return make_error(errc::invalid_argument, std::string(name) + " must be an integer");
}

result<void> check_user_id(std::string_view id) {
  if (id.empty() || id.size() > max_user_id_bytes) {
    return make_error(errc::invalid_argument, "user id must be 1 to " + std::to_string(max_user_id_bytes) + " bytes");
  }
  for (const char c : id) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return make_error(errc::invalid_argument, "user id must not contain control characters");
    }
  }
  return {};
}

}  // namespace metronome::region
