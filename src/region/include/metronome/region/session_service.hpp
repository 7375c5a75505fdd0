// The session domain: what creating, reading and ending a session means,
// independent of HTTP. It owns the rules for ids, seeds, countdowns and the
// server-mode commitment, and times every store call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "metronome/core/clock.hpp"
#include "metronome/engine/params.hpp"
#include "metronome/engine/state.hpp"
#include "metronome/events/publisher.hpp"
#include "metronome/region/metrics.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::region {

struct service_config {
  std::string region = "eu";
  std::int64_t countdown_ms = 3000;
  std::int64_t default_tick_ms = 100;
};

struct create_request {
  std::optional<std::int64_t> tick_ms;  ///< Default: service_config::default_tick_ms.
  engine::rule rule = engine::rounds_rule{};
  std::string metadata_json = "{}";  ///< A JSON object, already size-checked.
  std::string user_id;               ///< May be empty (/v1).
  std::string key_digest;            ///< Of the session key handed to the creator (region_api::issue_key).
  store::session_mode mode = store::session_mode::client;
  bool one_active_per_user = false;  ///< Seed 002's policy (/game/start).
};

class session_service {
 public:
  session_service(store::session_store& store, const clock& clk, service_config config, region_metrics& metrics);

  void create(create_request req, store::callback<store::create_outcome> done);
  void get(std::string id, store::callback<store::session_record> done);
  void end(store::end_request req, store::callback<store::end_outcome> done);
  void list(store::page_request req, store::callback<store::page> done);
  void ping(store::callback<void> done);

  /// The engine parameters of a stored session (errc::internal if its rule is corrupt).
  static result<engine::session_params> params_of(const store::session_record& s);

  /// hex(SHA-256("metronome-commit-v1:" + salt_hex + ":" + decimal seed)).
  static std::string commitment_for(std::uint64_t seed, const std::string& salt_hex);

  /// hex(SHA-256(key)): how a session key is stored and compared.
  static std::string key_digest(std::string_view key);

  /// Publish game.started and game.exited through `p` (docs/events.md):
  /// each create and end then carries its event into the store, in the
  /// same transaction. Null (the default): no events, no outbox writes, no
  /// extra store read. Set before serving; `p` outlives the service.
  void set_events(events::publisher* p) noexcept { events_ = p; }
  events::publisher* events() const noexcept { return events_; }
  /// "region:<name>", the source of this node's events.
  std::string event_source() const { return "region:" + config_.region; }

  const service_config& config() const noexcept { return config_; }
  const clock& time() const noexcept { return clock_; }
  store::session_store& store() noexcept { return store_; }

 private:
  template <class T>
  store::callback<T> timed(store_op op, store::callback<T> done);
  void end_now(store::end_request req, store::callback<store::end_outcome> done);

  store::session_store& store_;
  const clock& clock_;
  service_config config_;
  region_metrics& metrics_;
  events::publisher* events_ = nullptr;
};

}  // namespace metronome::region
