// Where the region registry lives (seed 002's main server): regions register
// and heartbeat; edges read the list. Kept in the same store as the sessions
// (same URL), so several edges behind one load balancer agree.
//
// Built on the session store's layers (docs/storage.md, "Region registry"):
// SQLite runs operations one at a time on a worker thread, Redis on a
// redis_store's I/O loop, so a store outage never blocks a caller's thread.
// Callbacks run on that thread, exactly once, within the store timeout; they
// must not block.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"
#include "metronome/store/backends.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::store {

/// Region names: 1 to 32 characters of [a-z0-9-]. The one check for every
/// place a name enters (flags, registration, static region lists).
bool valid_region_name(std::string_view name) noexcept;
/// The sentence to show when valid_region_name refuses a name.
inline constexpr std::string_view region_name_rule = "1 to 32 characters of a-z, 0-9 and '-'";

struct region_record {
  std::string name;                   ///< "eu", "us", ... ([a-z0-9-], 1-32 chars).
  std::string base_url;               ///< http://host:port of its HTTP API.
  std::string ws_url;                 ///< ws://host:port/ws of its tick broadcaster, or empty.
  std::int64_t registered_at_ms = 0;  ///< First registration (kept across heartbeats).
  std::int64_t last_seen_ms = 0;      ///< Latest heartbeat.
  friend bool operator==(const region_record&, const region_record&) = default;
};

class registry_store {
 public:
  virtual ~registry_store() = default;
  /// Inserts or refreshes a region (registered_at_ms is kept if it exists).
  virtual void upsert_region(region_record record, callback<region_record> done) = 0;
  /// Every registered region, by name.
  virtual void list_regions(callback<std::vector<region_record>> done) = 0;
};

/// Same URLs as make_session_store.
result<std::unique_ptr<registry_store>> make_registry_store(std::string_view url, const store_options& options = {});

}  // namespace metronome::store
