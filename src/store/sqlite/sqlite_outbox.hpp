// The outbox's SQL steps (table `outbox`, sqlite_schema.cpp; docs/events.md).
// Each runs on a leased connection, inside the caller's transaction when
// there is one: that is how a session write and its event commit together.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "metronome/store/outbox.hpp"
#include "sqlite/sqlite_connection.hpp"

namespace metronome::store::detail {

/// Inserts `entry` unless the outbox holds `max_depth` entries already
/// (then false, nothing written). A second insert of one id is a no-op
/// that reports true: the event is there.
result<bool> outbox_put(sqlite_connection& c, const outbox_entry& entry, std::size_t max_depth);
result<std::vector<outbox_entry>> outbox_peek(sqlite_connection& c, std::size_t limit);
/// Deletes every id in one transaction.
result<void> outbox_remove(sqlite_connection& c, const std::vector<std::string>& ids);
result<std::size_t> outbox_depth(sqlite_connection& c);

}  // namespace metronome::store::detail
