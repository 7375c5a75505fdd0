// The event outbox on Redis (outbox.hpp; docs/storage.md, "Event outbox"):
// three keys sharing the hash tag {outbox}, and the entry's stored form.
//
// Standalone Redis only: session writes commit in the session's or the
// user's slot, and a script cannot reach the outbox's slot from there in a
// cluster, so a redis-cluster store keeps no outbox (outbox() is null and
// an event given to a write is ignored, event_stored = false).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/store/outbox.hpp"

namespace metronome::store::detail::redis {

/// KEYS for the scripts: the order (sorted set: id by sequence), the
/// entries (hash: id -> stored entry), the sequence counter.
std::vector<std::string> outbox_keys();

/// "<at_ms> <subject> <payload>": NATS subjects hold no spaces.
std::string encode_outbox_entry(const outbox_entry& e);
result<outbox_entry> decode_outbox_entry(std::string id, std::string_view stored);

/// The script arguments that carry an event into a write: id, entry, bound.
std::vector<std::string> outbox_args(const outbox_entry& e, std::size_t max_depth);

}  // namespace metronome::store::detail::redis
