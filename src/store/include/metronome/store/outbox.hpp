// The event outbox: events waiting to be published (src/events, docs/events.md),
// kept in the session store so that a session write and its event commit
// together. The store knows entries as opaque rows; what an event means is
// src/events' business.
//
// Contract for every backend (on top of session_store.hpp's):
// - A session write that carries an event (create_options::event,
//   end_request::event) stores the event in the same transaction (SQLite) or
//   the same script (Redis) as the write: the event exists iff the write
//   committed. Nothing is stored when nothing was written (created = false,
//   changed = false).
// - The outbox is bounded (store_options::outbox_max_depth). A write whose
//   event finds it full still commits, without the event, and says so
//   (event_stored = false): a session write is never refused or lost for
//   the sake of an event; the caller counts the dropped event.
// - peek returns the oldest entries first; remove deletes by id and is
//   idempotent (ids already gone are ignored). Entries are removed only by
//   remove: a reader that dies between publish and remove publishes again
//   (at-least-once; the id makes the duplicate recognisable).
// - Several processes may drain one outbox at once; each may publish an
//   entry before another removes it (duplicates again, same id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metronome/core/result.hpp"

namespace metronome::store {

template <class T>
using callback = std::function<void(result<T>)>;

struct outbox_entry {
  std::string id;            ///< Unique per event (docs/events.md, "Ids"); the JetStream message id.
  std::string subject;       ///< NATS subject, e.g. game.started.
  std::string payload_json;  ///< The whole message as published (the event envelope).
  std::int64_t at_ms = 0;    ///< When the event happened (ms since the Unix epoch).
  friend bool operator==(const outbox_entry&, const outbox_entry&) = default;
};

class outbox_store {
 public:
  virtual ~outbox_store() = default;
  /// Stores an event on its own (events that are not session writes).
  /// Completes with false, storing nothing, when the outbox is full.
  virtual void append(outbox_entry entry, callback<bool> done) = 0;
  /// At most `limit` entries, oldest first.
  virtual void peek(std::size_t limit, callback<std::vector<outbox_entry>> done) = 0;
  /// Deletes these ids (missing ones are ignored).
  virtual void remove(std::vector<std::string> ids, callback<void> done) = 0;
  /// How many entries wait (an upper bound on SQLite: see docs/events.md).
  virtual void depth(callback<std::size_t> done) = 0;
};

}  // namespace metronome::store
