// `metronome events tail`: reads the JetStream stream (events::stream_name)
// through an ordered consumer and hands over each event's JSON, one per
// call, in stream order.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "metronome/core/result.hpp"

namespace metronome::events {

struct tail_options {
  std::string nats_url;                              ///< nats://HOST:PORT.
  std::string subject;                               ///< Filter, e.g. game.* or game.>; empty: every subject.
  bool from_start = false;                           ///< From the stream's first event instead of new ones only.
  std::optional<std::size_t> count;                  ///< Stop after this many events.
  std::optional<std::chrono::milliseconds> timeout;  ///< Stop after this long.
  std::chrono::milliseconds connect_timeout{2000};
};

/// The events read before it stopped.
struct tail_outcome {
  std::size_t events = 0;
  bool timed_out = false;  ///< Stopped by `timeout` before `count` events.
};

/// Calls `line` with each event until count or timeout, or until `stop`
/// returns true (checked at least every 100 ms). errc::unavailable when NATS
/// or the stream cannot be reached.
result<tail_outcome> tail(const tail_options& options, const std::function<void(std::string_view)>& line,
                          const std::function<bool()>& stop);

}  // namespace metronome::events
