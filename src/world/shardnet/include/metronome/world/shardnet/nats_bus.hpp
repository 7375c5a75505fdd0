// Core NATS (no JetStream) for world shards: one connection, one synchronous
// subscription, publishes. nats/nats.h stays in nats_bus.cpp. The connection
// does not receive its own messages (no echo) and reconnects by itself.
// Not thread-safe: one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "metronome/core/result.hpp"

namespace metronome::world::shardnet {

struct bus_message {
  std::string subject, data;
};

struct bus_counts {
  std::uint64_t msgs_out = 0, bytes_out = 0, msgs_in = 0, bytes_in = 0;
};

class nats_bus {
 public:
  /// Connects to `url` (nats://HOST:PORT) within `timeout`; errc::unavailable when no server answers.
  static result<std::unique_ptr<nats_bus>> connect(const std::string& url, std::chrono::milliseconds timeout);
  ~nats_bus();
  nats_bus(const nats_bus&) = delete;
  nats_bus& operator=(const nats_bus&) = delete;

  /// Subscribes to `subject` (wildcards allowed) and waits until the server has it.
  result<void> subscribe(const std::string& subject);
  /// Publishes (buffered by the client; flush() sends now). Refuses a payload
  /// over max_payload(). While the client reconnects, publish and flush
  /// succeed and what they sent may be lost (see take_reconnected).
  result<void> publish(const std::string& subject, const std::string& data);
  result<void> flush();
  /// The next message of the subscription; nullopt when none came within `wait`.
  result<std::optional<bus_message>> next(std::chrono::milliseconds wait);
  /// Whether the connection came back since the last call (after an outage
  /// the subscription is renewed, but what was in flight is lost: the caller
  /// says hello again or sends its batch again).
  bool take_reconnected();
  std::int64_t max_payload() const;
  bus_counts counts() const;

 private:
  struct state;
  explicit nats_bus(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace metronome::world::shardnet
