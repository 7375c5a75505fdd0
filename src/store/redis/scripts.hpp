// The Lua scripts behind the atomic steps of the Redis backends. Each one
// touches keys of a single hash slot only (all keys passed in KEYS), so the
// same scripts run on standalone Redis and on a cluster. Bodies and the
// reasoning for their order are in scripts.cpp and docs/storage.md.
#pragma once

#include <string>
#include <string_view>

namespace metronome::store::detail::redis {

struct lua_script {
  std::string_view name;
  std::string_view body;
  std::string sha;  ///< SHA-1 of body, for EVALSHA.
};

struct script_set {
  lua_script create_session;  ///< KEYS: session. ARGV: field/value pairs. 1 written, 0 id taken.
  /// Standalone: create_session and the recent index in one step. KEYS:
  /// session, recent index. ARGV: the pairs, then created_at_ms and id.
  lua_script create_indexed_session;
  /// KEYS: session [, recent index]. ARGV: the pairs written. Deletes only
  /// an identical hash (and its recent index entry).
  lua_script discard_session;
  // The three below take an event as extra KEYS (the outbox's) and ARGV
  // (id, entry, bound), stored where the write commits; they then answer
  // the stored flag too (scripts.cpp).
  lua_script claim_active;    ///< KEYS: active, index. ARGV: id, dangling value or '', created_at_ms.
  lua_script index_session;   ///< KEYS: index. ARGV: created_at_ms, id. (A script only for uniform WAIT handling.)
  lua_script end_session;     ///< KEYS: session. ARGV: status, ended_at_ms, '1'/'0' owner check, owner.
  lua_script release_active;  ///< KEYS: active. ARGV: id. Deletes the pointer if it names id.
  lua_script page;            ///< KEYS: index. ARGV: cursor score or '', cursor id, count.
  // The outbox (docs/events.md): KEYS outbox z, h, seq (outbox_keys()).
  lua_script outbox_append;  ///< ARGV: id, entry, bound. 1 stored (or there), 0 full.
  lua_script outbox_peek;    ///< ARGV: count. {ids, entries}, oldest first.
  lua_script outbox_remove;  ///< ARGV: ids.
};

/// Built once (the SHA-1s are computed on first use).
const script_set& scripts();

/// The region move's compare-and-set (session_store::move_region). KEYS:
/// session. ARGV: from, to. {'not_found'}, {'ended'}, {'elsewhere', region}
/// or {'moved', the record's pairs}.
const lua_script& move_region_script();

}  // namespace metronome::store::detail::redis
