// The publisher: drains the session store's outbox (store/outbox.hpp) to
// NATS JetStream on its own thread, at least once (docs/events.md).
//
// - One thread. Each round reads at most `batch` events, oldest first,
//   publishes each and waits for JetStream's acknowledgement, then removes
//   the acknowledged ones from the outbox. An event leaves the outbox only
//   after JetStream has stored it (or reported its id a duplicate, which
//   means it stored it before): a crash anywhere publishes again, never
//   loses. Duplicates carry the same id (Nats-Msg-Id, so JetStream itself
//   drops those within its duplicate window).
// - Outage: a failed connect, stream set-up or publish stops the round; the
//   next waits backoff_min, doubling to backoff_max, and the events wait in
//   the outbox (bounded: outbox.hpp). Publishes are in outbox order; a
//   failed one is retried before any later one.
// - emit() and written() may be called from any thread and never block:
//   emit() appends through the store's own threads and wakes the drain.
// - The destructor stops the thread: it waits for a publish in flight (at
//   most nats_timeout) and for emit() appends still in the store (at most
//   store_timeout); what is left stays in the outbox for the next start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metronome/core/result.hpp"
#include "metronome/events/event.hpp"
#include "metronome/obs/metrics.hpp"
#include "metronome/store/outbox.hpp"

namespace metronome::events {
namespace detail {
class nats_link;
}

/// The one check for a NATS URL setting: nats://HOST:PORT.
result<void> check_nats_url(const std::string& url);

struct publisher_config {
  std::string nats_url;    ///< nats://HOST:PORT (NATS_URL). Required.
  std::size_t batch = 64;  ///< Events read from the outbox per round. Default 64.
  std::chrono::milliseconds poll{
      250};  ///< Outbox checked this often when nothing wakes the drain (other processes append too). Default 250 ms.
  std::chrono::milliseconds backoff_min{100};     ///< First wait after a failure. Default 100 ms.
  std::chrono::milliseconds backoff_max{5000};    ///< Longest wait between attempts during an outage. Default 5 s.
  std::chrono::milliseconds nats_timeout{2000};   ///< Connect and per-publish acknowledgement timeout. Default 2 s.
  std::chrono::milliseconds store_timeout{5000};  ///< Longest wait for an outbox read or remove. Default 5 s.
  std::size_t outbox_max = 100'000;               ///< The store's outbox bound, for /health (store_options::outbox_max_depth).
};

/// What /health and the metrics say about events.
struct publisher_status {
  bool connected = false;        ///< The last attempt reached JetStream.
  std::size_t outbox_depth = 0;  ///< Last measured (an upper bound on SQLite).
  std::size_t outbox_max = 0;
  bool outbox_full = false;     ///< depth reached the bound: new events are being dropped.
  std::uint64_t published = 0;  ///< Acknowledged by JetStream (duplicates included).
  std::uint64_t failed = 0;     ///< Connect, stream or publish attempts that failed.
  std::uint64_t dropped = 0;    ///< Events not stored because the outbox was full.
  std::string last_error;       ///< Empty once an attempt succeeds.
};

class publisher {
 public:
  publisher(publisher_config config, store::outbox_store& outbox, obs::registry& metrics);
  ~publisher();
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  /// Stores an event that is not a session write (kicks, breaks, regions)
  /// in the outbox and wakes the drain.
  void emit(const event& e);
  /// After a session write that carried an event: wakes the drain, or
  /// counts a drop when the store had no room for it.
  void written(bool event_stored);

  publisher_status status() const;
  /// status() as a JSON object, for /health.
  std::string status_json() const;

 private:
  void run();
  /// One round on the drain thread; true when it should run again at once.
  bool drain_once(std::unique_ptr<detail::nats_link>& link);
  void measure_depth();
  void dropped();
  void wake();
  void fail(const std::string& why);

  publisher_config config_;
  store::outbox_store& outbox_;
  obs::handle<obs::gauge> depth_gauge_, connected_gauge_;
  obs::handle<obs::counter> published_counter_, failed_counter_, dropped_counter_;

  mutable std::mutex mutex_;
  std::condition_variable wake_cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::size_t appending_ = 0;  ///< emit() appends whose callback has not run yet.
  publisher_status status_;    ///< Under mutex_.
  std::thread thread_;         ///< Last: started when everything above exists.
};

}  // namespace metronome::events
