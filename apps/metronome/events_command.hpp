// Events on NATS from the command line (docs/events.md): the settings
// `region`, `edge` and `up` share (--nats / NATS_URL and the outbox bound),
// and `metronome events tail`.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "metronome/events/publisher.hpp"
#include "metronome/obs/metrics.hpp"
#include "metronome/store/backends.hpp"

namespace metronome::cli {

/// NATS_URL and EVENTS_OUTBOX_MAX, registered on a subcommand by add().
class events_flags {
 public:
  void add(CLI::App& cmd);
  /// Checks the values (usage_error) and sets the store's outbox bound.
  void apply(store::store_options& options) const;
  /// A running publisher on the store's outbox, or null when no NATS URL is
  /// set (then nothing about events runs). usage_error when the store has no
  /// outbox.
  std::unique_ptr<events::publisher> start(store::session_store& store, const store::store_options& options, obs::registry& metrics) const;
  const std::string& nats_url() const noexcept { return nats_url_; }

 private:
  std::string nats_url_, outbox_max_ = "100000";
};

/// `metronome events tail`.
void add_events_command(CLI::App& app);

}  // namespace metronome::cli
