// An event: what happened, once, with an id that makes a second delivery
// recognisable (docs/events.md is the specification of every subject and
// payload; keep the two in step).
//
// The builders below are the one home of each payload. They are pure: the
// time comes from the caller, and only the id is random (events' ids are
// UUIDs, except game.break's, which is a function of the session and the
// step so that two announcers of one break publish one event).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metronome/store/outbox.hpp"
#include "metronome/store/session.hpp"

namespace metronome::events {

namespace subject {
inline constexpr std::string_view game_started = "game.started";
inline constexpr std::string_view game_exited = "game.exited";
inline constexpr std::string_view game_break = "game.break";
inline constexpr std::string_view region_up = "region.up";
inline constexpr std::string_view region_down = "region.down";
inline constexpr std::string_view player_kicked = "player.kicked";
}  // namespace subject

/// The JetStream stream that keeps every subject above (docs/events.md).
inline constexpr std::string_view stream_name = "METRONOME_EVENTS";

struct event {
  std::string id;          ///< Unique per event; the JetStream message id (Nats-Msg-Id).
  std::string subject;     ///< One of events::subject.
  std::int64_t at_ms = 0;  ///< When it happened (ms since the Unix epoch).
  std::string source;      ///< Who saw it: "region:eu", "edge".
  std::string data_json;   ///< The subject's payload, a JSON object.
};

/// The message as published: {"id","subject","time","atMs","source","data"}.
std::string envelope_json(const event& e);
/// The outbox row for an event (payload_json is envelope_json).
store::outbox_entry to_entry(const event& e);

/// A session was created (region). The seed appears only where
/// session_record::seed_visible() allows it (client mode).
event game_started(const store::session_record& created, std::string_view source);
/// A running session ended as stopped or exited (region): `before` is the
/// record as it was running; `to` and `at_ms` are the end.
event game_exited(const store::session_record& before, store::session_status to, std::int64_t at_ms, std::string_view source);
/// A server-mode session broke at `step` (its value went back to 0).
event game_break(const std::string& session_id, std::int64_t step, std::int64_t round, std::int64_t at_ms, std::string_view source);
/// The tick broadcaster removed a player.
event player_kicked(const std::string& session_id, const std::string& user_id, std::string_view reason, double rtt_ms, double jitter_ms,
                    std::int64_t at_ms, std::string_view source);
/// The edge's view of a region changed: healthy (up) or not (down).
event region_changed(const std::string& region, bool up, std::string_view reason, std::int64_t at_ms, std::string_view source);

}  // namespace metronome::events
