// The stored form of a session in Redis: one hash per session, every field a
// decimal or text string (docs/storage.md, "Redis"). Reading is strict: a
// hash with a missing, unknown, repeated or unparsable field is
// errc::internal naming the field, never a half-filled record.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/store/session.hpp"
#include "redis/reply.hpp"

namespace metronome::store::detail::redis {

/// Field/value pairs, alternating, in a fixed order ("v" first).
std::vector<std::string> encode_session(const session_record& r);

/// `hash` is an HGETALL-style flat array of field/value pairs.
/// `expected_id` (when not empty) must equal the stored id.
result<session_record> decode_session(reply_view hash, std::string_view expected_id);

/// Redis keys (docs/storage.md). `{`, `}` and `%` in ids are percent-escaped
/// so that the hash tag is always exactly the id or user id.
std::string session_key(std::string_view id);
std::string user_index_key(std::string_view user_id);
std::string user_active_key(std::string_view user_id);
/// Every session, scored by created_at_ms (list_recent). One key, so in a
/// cluster one slot holds it all: an index for the console, not a record.
std::string recent_index_key();

}  // namespace metronome::store::detail::redis
