#include "metronome/world/shardnet/nats_bus.hpp"

#include <nats/nats.h>

#include <atomic>

#include "metronome/nats/nats_client.hpp"

namespace metronome::world::shardnet {
namespace {

/// While the client reconnects, a publish or flush that fails is not an error
/// of the caller's: what it sent is lost or sent later, and the hello after
/// the reconnection (take_reconnected) makes the peers send theirs again.
bool reconnecting(natsConnection* c) {
  const natsConnStatus st = natsConnection_Status(c);
  return st == NATS_CONN_STATUS_RECONNECTING || st == NATS_CONN_STATUS_DISCONNECTED;
}

}  // namespace

struct nats_bus::state {
  natsConnection* connection = nullptr;
  natsSubscription* sub = nullptr;
  std::int64_t timeout_ms = 2000;
  std::atomic<bool> reconnected{false};  // set on the client's thread
  ~state() {
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(connection);
  }
};

nats_bus::nats_bus(std::unique_ptr<state> s) : s_(std::move(s)) {}
nats_bus::~nats_bus() = default;

result<std::unique_ptr<nats_bus>> nats_bus::connect(const std::string& url, std::chrono::milliseconds timeout) {
  auto opts = nats::reconnecting_options(url, timeout);
  if (!opts) return std::move(opts).error();
  auto st = std::make_unique<state>();
  st->timeout_ms = timeout.count();
  natsOptions* raw = opts->get();
  natsStatus s = natsOptions_SetNoEcho(raw, true);
  if (s == NATS_OK) {
    s = natsOptions_SetReconnectedCB(
        raw, [](natsConnection*, void* closure) { static_cast<state*>(closure)->reconnected = true; }, st.get());
  }
  if (s != NATS_OK) return nats::failure(s, "options for '" + url + "'");
  if (s = natsConnection_Connect(&st->connection, raw); s != NATS_OK) return nats::failure(s, "connect to '" + url + "'");
  return std::unique_ptr<nats_bus>(new nats_bus(std::move(st)));
}

result<void> nats_bus::subscribe(const std::string& subject) {
  if (natsStatus s = natsConnection_SubscribeSync(&s_->sub, s_->connection, subject.c_str()); s != NATS_OK) {
    return nats::failure(s, "subscribe " + subject);
  }
  // Bounded by the server (it drops a slow consumer), not by the client.
  if (natsStatus s = natsSubscription_SetPendingLimits(s_->sub, -1, -1); s != NATS_OK) return nats::failure(s, "pending limits");
  return flush();
}

result<void> nats_bus::publish(const std::string& subject, const std::string& data) {
  if (static_cast<std::int64_t>(data.size()) > max_payload()) {
    return make_error(errc::invalid_argument, "nats: a message of " + std::to_string(data.size()) + " bytes on " + subject +
                                                  " exceeds the server's max_payload (" + std::to_string(max_payload()) + ")");
  }
  const natsStatus s = natsConnection_Publish(s_->connection, subject.c_str(), data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK && !reconnecting(s_->connection)) return nats::failure(s, "publish " + subject);
  return {};
}

result<void> nats_bus::flush() {
  const natsStatus s = natsConnection_FlushTimeout(s_->connection, s_->timeout_ms);
  if (s != NATS_OK && !reconnecting(s_->connection)) return nats::failure(s, "flush");
  return {};
}

result<std::optional<bus_message>> nats_bus::next(std::chrono::milliseconds wait) {
  natsMsg* msg = nullptr;
  const natsStatus s = natsSubscription_NextMsg(&msg, s_->sub, std::max<std::int64_t>(1, wait.count()));
  if (s == NATS_TIMEOUT) return std::optional<bus_message>{};
  if (s != NATS_OK) return nats::failure(s, "read");
  bus_message m{natsMsg_GetSubject(msg), std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
  natsMsg_Destroy(msg);
  return std::optional<bus_message>(std::move(m));
}

bool nats_bus::take_reconnected() { return s_->reconnected.exchange(false); }

std::int64_t nats_bus::max_payload() const { return natsConnection_GetMaxPayload(s_->connection); }

bus_counts nats_bus::counts() const {
  natsStatistics* stats = nullptr;
  bus_counts c;
  if (natsStatistics_Create(&stats) != NATS_OK) return c;
  if (natsConnection_GetStats(s_->connection, stats) == NATS_OK) {
    std::uint64_t reconnects = 0;
    natsStatistics_GetCounts(stats, &c.msgs_in, &c.bytes_in, &c.msgs_out, &c.bytes_out, &reconnects);
  }
  natsStatistics_Destroy(stats);
  return c;
}

}  // namespace metronome::world::shardnet
