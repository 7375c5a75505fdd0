// JSON in and out of the region API (Boost.JSON): rules, session views,
// timestamps, and strict request-body decoding with readable errors.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"
#include "metronome/core/time_format.hpp"
#include "metronome/engine/params.hpp"
#include "metronome/engine/state.hpp"
#include "metronome/net/json_body.hpp"
#include "metronome/store/session.hpp"

namespace metronome::region {

namespace json = boost::json;

/// Metadata objects larger than this (serialized) are refused.
inline constexpr std::size_t max_metadata_bytes = 4096;
/// User ids: 1 to 128 bytes, no control characters.
inline constexpr std::size_t max_user_id_bytes = 128;

std::string rule_to_json(const engine::rule& r);
json::object rule_to_object(const engine::rule& r);
/// A rule given as a name ("rounds") or an object ({"name":"rounds","mean_interval":20}).
result<engine::rule> rule_from_value(const json::value& v);
result<engine::rule> rule_from_json(std::string_view text);

using metronome::rfc3339_ms;  // core/time_format.hpp

/// The /v1 view of a session as JSON text, written directly (the stored rule
/// and metadata are already JSON and are spliced in as they are). The seed is
/// withheld from running server-mode sessions; their salt appears only once
/// they have ended. `extra` (",\"k\":v" fields) is added at the end.
std::string session_view_json(const store::session_record& s, std::string_view extra = {});

/// The same as a JSON object.
json::object session_view(const store::session_record& s);

/// Seed 000 + seed 002 fields for /game/start and /game/exit.
json::object game_view(const store::session_record& s);

/// The commitment's one public shape: {"algorithm":"sha256","value":hex}.
json::object commitment_view(std::string_view hex);

json::object state_view(const engine::state& st);

using net::parse_object_body;  // net/json_body.hpp

/// Field readers: nullopt when absent (or null); errc::invalid_argument when
/// present with the wrong type. `name` is used in the message.
result<std::optional<std::string>> optional_string(const json::object& o, std::string_view name);
result<std::optional<std::int64_t>> optional_int(const json::object& o, std::string_view name);

/// Checks a user id's length and characters.
result<void> check_user_id(std::string_view id);

}  // namespace metronome::region
