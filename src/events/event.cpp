#include "metronome/events/event.hpp"

#include <boost/json.hpp>

#include "metronome/core/random.hpp"
#include "metronome/core/time_format.hpp"

namespace metronome::events {
namespace json = boost::json;
namespace {

// Stored JSON (rule, metadata) was validated when it was written; a value
// that no longer parses is passed on as a string rather than dropped.
json::value embedded(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::string(text);
  return v;
}

event make(std::string id, std::string_view subj, std::int64_t at_ms, std::string_view source, const json::object& data) {
  return event{
      .id = std::move(id), .subject = std::string(subj), .at_ms = at_ms, .source = std::string(source), .data_json = json::serialize(data)};
}

}  // namespace

std::string envelope_json(const event& e) {
  json::object o;
  o["id"] = e.id;
  o["subject"] = e.subject;
  o["time"] = rfc3339_ms(e.at_ms);
  o["atMs"] = e.at_ms;
  o["source"] = e.source;
  o["data"] = embedded(e.data_json);
  return json::serialize(o);
}

store::outbox_entry to_entry(const event& e) {
  return store::outbox_entry{.id = e.id, .subject = e.subject, .payload_json = envelope_json(e), .at_ms = e.at_ms};
}

event game_started(const store::session_record& s, std::string_view source) {
  json::object d;
  d["gameId"] = s.id;
  d["userId"] = s.user_id;
  d["region"] = s.region;
  d["mode"] = store::mode_name(s.mode);
  d["startAt"] = s.start_at_ms;
  d["tickMs"] = s.tick_ms;
  d["createdAt"] = s.created_at_ms;
  d["rule"] = embedded(s.rule_json);
  d["metadata"] = embedded(s.metadata_json);
  if (s.seed_visible()) d["seed"] = s.seed;
  if (s.mode == store::session_mode::server) d["commitment"] = s.commitment;
  return make(random_uuid(), subject::game_started, s.created_at_ms, source, d);
}

event game_exited(const store::session_record& before, store::session_status to, std::int64_t at_ms, std::string_view source) {
  store::session_record after = before;
  after.status = to;
  after.ended_at_ms = at_ms;
  json::object d;
  d["gameId"] = after.id;
  d["userId"] = after.user_id;
  d["region"] = after.region;
  d["mode"] = store::mode_name(after.mode);
  d["status"] = store::status_name(to);
  d["startAt"] = after.start_at_ms;
  d["tickMs"] = after.tick_ms;
  d["endedAt"] = at_ms;
  // Ended: the seed (and a server-mode salt) is revealed, as the API does.
  if (after.seed_visible()) d["seed"] = after.seed;
  if (after.mode == store::session_mode::server) {
    d["commitment"] = after.commitment;
    d["salt"] = after.salt;
  }
  return make(random_uuid(), subject::game_exited, at_ms, source, d);
}

event game_break(const std::string& session_id, std::int64_t step, std::int64_t round, std::int64_t at_ms, std::string_view source) {
  json::object d;
  d["gameId"] = session_id;
  d["step"] = step;
  d["round"] = round;
  return make(session_id + ":break:" + std::to_string(step), subject::game_break, at_ms, source, d);
}

event player_kicked(const std::string& session_id, const std::string& user_id, std::string_view reason, double rtt_ms, double jitter_ms,
                    std::int64_t at_ms, std::string_view source) {
  json::object d;
  d["gameId"] = session_id;
  d["userId"] = user_id;
  d["reason"] = reason;
  d["rttMs"] = rtt_ms;
  d["jitterMs"] = jitter_ms;
  return make(random_uuid(), subject::player_kicked, at_ms, source, d);
}

event region_changed(const std::string& region, bool up, std::string_view reason, std::int64_t at_ms, std::string_view source) {
  json::object d;
  d["region"] = region;
  d["reason"] = reason;
  return make(random_uuid(), up ? subject::region_up : subject::region_down, at_ms, source, d);
}

}  // namespace metronome::events
