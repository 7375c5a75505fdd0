// The one place that speaks NATS (nats/nats.h stays in nats_link.cpp): a
// connection with its JetStream context, the stream's configuration,
// acknowledged publishes, and an ordered reader for `events tail`.
//
// Not thread-safe: one owner thread (the publisher's, or tail's main).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "metronome/core/result.hpp"

namespace metronome::events::detail {

struct stream_settings {
  std::string name;                            ///< events::stream_name.
  std::chrono::hours max_age{168};             ///< Messages older than this are discarded. Default 7 days.
  std::int64_t max_msgs = 1'000'000;           ///< Oldest discarded beyond this many. Default 10^6.
  std::chrono::seconds duplicate_window{120};  ///< JetStream drops a repeated message id within this. Default 2 min.
};

class nats_link {
 public:
  /// Connects to `url` (nats://HOST:PORT), waiting at most `timeout`; the
  /// connection reconnects by itself afterwards. errc::unavailable when no
  /// server answers.
  static result<std::unique_ptr<nats_link>> connect(const std::string& url, std::chrono::milliseconds timeout);
  ~nats_link();
  nats_link(const nats_link&) = delete;
  nats_link& operator=(const nats_link&) = delete;

  /// Creates the stream when it does not exist (an existing one is kept as
  /// it is: an operator may have changed its limits).
  result<void> ensure_stream(const stream_settings& s);

  /// Publishes and waits for JetStream's acknowledgement (at most the
  /// connect timeout). True when JetStream reported a duplicate id (already
  /// stored: as good as an acknowledgement).
  result<bool> publish(const std::string& subject, const std::string& payload, const std::string& msg_id);

  /// Whether the connection is up now (it reconnects by itself when not).
  bool connected() const;

  /// Starts reading `stream` through an ordered consumer filtered on
  /// `filter` (empty: every subject), from its first message or only new
  /// ones.
  result<void> start_reading(const std::string& stream, const std::string& filter, bool from_start);
  /// The next message's data; nullopt when none came within `wait`.
  result<std::optional<std::string>> next(std::chrono::milliseconds wait);

 private:
  struct state;
  explicit nats_link(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace metronome::events::detail
