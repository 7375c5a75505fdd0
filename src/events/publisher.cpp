#include "metronome/events/publisher.hpp"

#include <boost/json.hpp>

#include <future>
#include <memory>
#include <utility>

#include "metronome/obs/log.hpp"
#include "nats_link.hpp"

namespace metronome::events {
namespace {

const obs::logger& log() {
  static const obs::logger l("events");
  return l;
}

/// Runs an asynchronous store call and waits for its callback, at most
/// `timeout`. The promise is shared: a callback that comes late finds it
/// still alive.
template <class T, class Call>
result<T> await(std::chrono::milliseconds timeout, Call call) {
  auto done = std::make_shared<std::promise<result<T>>>();
  auto future = done->get_future();
  call([done](result<T> r) { done->set_value(std::move(r)); });
  if (future.wait_for(timeout) != std::future_status::ready) return make_error(errc::timeout, "the session store did not answer in time");
  return future.get();
}

}  // namespace

result<void> check_nats_url(const std::string& url) {
  constexpr std::string_view scheme = "nats://";
  const std::string_view rest = std::string_view(url).substr(url.starts_with(scheme) ? scheme.size() : 0);
  const auto colon = rest.rfind(':');
  const bool ok = url.starts_with(scheme) && colon != std::string_view::npos && colon > 0 && colon + 1 < rest.size() &&
                  rest.substr(colon + 1).find_first_not_of("0123456789") == std::string_view::npos && rest.size() - colon - 1 <= 5;
  if (!ok) return make_error(errc::invalid_argument, "expected nats://HOST:PORT, got '" + url + "'");
  return {};
}

publisher::publisher(publisher_config config, store::outbox_store& outbox, obs::registry& metrics)
    : config_(std::move(config)),
      outbox_(outbox),
      depth_gauge_(
          metrics.add_gauge("metronome_events_outbox_depth", "Events waiting in the outbox to be published (upper bound).").bind({})),
      connected_gauge_(metrics.add_gauge("metronome_events_connected", "1 when the last attempt reached NATS JetStream, else 0.").bind({})),
      published_counter_(
          metrics.add_counter("metronome_events_published_total", "Events acknowledged by JetStream (duplicates included).").bind({})),
      failed_counter_(metrics.add_counter("metronome_events_failed_total", "Connect, stream or publish attempts that failed.").bind({})),
      dropped_counter_(
          metrics.add_counter("metronome_events_dropped_total", "Events not stored because the outbox was full (docs/events.md).")
              .bind({})) {
  status_.outbox_max = config_.outbox_max;
  thread_ = std::thread([this] { run(); });
}

publisher::~publisher() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  thread_.join();
  // Appends in flight call back into *this: wait for them (the store
  // completes every call within its timeout).
  std::unique_lock lock(mutex_);
  wake_cv_.wait_for(lock, config_.store_timeout, [this] { return appending_ == 0; });
}

void publisher::wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

void publisher::dropped() {
  dropped_counter_->inc();
  {
    const std::lock_guard lock(mutex_);
    ++status_.dropped;
    status_.outbox_full = true;
  }
  log().warn("outbox full: event dropped", {{"outbox_max", config_.outbox_max}});
}

void publisher::emit(const event& e) {
  {
    const std::lock_guard lock(mutex_);
    ++appending_;
  }
  outbox_.append(to_entry(e), [this](result<bool> r) {
    if (r) {
      written(*r);
    } else {
      // The store is down: the event cannot be kept anywhere durable.
      dropped_counter_->inc();
    }
    // Last touch of *this: the destructor waits for appending_ to reach 0
    // under this lock.
    const std::lock_guard lock(mutex_);
    if (!r) {
      ++status_.dropped;
      status_.last_error = "outbox append failed: " + r.error().message;
    }
    --appending_;
    wake_cv_.notify_all();
  });
}

void publisher::written(bool event_stored) {
  if (event_stored)
    wake();
  else
    dropped();
}

void publisher::fail(const std::string& why) {
  failed_counter_->inc();
  connected_gauge_->set(0);
  const std::lock_guard lock(mutex_);
  if (status_.last_error != why) log().warn("events not published", {{"error", why}});
  ++status_.failed;
  status_.connected = false;
  status_.last_error = why;
}

publisher_status publisher::status() const {
  const std::lock_guard lock(mutex_);
  return status_;
}

std::string publisher::status_json() const {
  const publisher_status s = status();
  boost::json::object o;
  o["status"] = s.outbox_full ? "outbox_full" : s.connected ? "ok" : "disconnected";
  o["connected"] = s.connected;
  o["outboxDepth"] = s.outbox_depth;
  o["outboxMax"] = s.outbox_max;
  o["outboxFull"] = s.outbox_full;
  o["published"] = s.published;
  o["failed"] = s.failed;
  o["dropped"] = s.dropped;
  o["lastError"] = s.last_error;
  return boost::json::serialize(o);
}

void publisher::run() {
  std::unique_ptr<detail::nats_link> link;
  auto backoff = config_.backoff_min;
  bool again = true;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      // After a failure wait out the backoff; else the poll period, or less
      // when an event of ours wakes us. A connection that the client is
      // reconnecting by itself is looked at every poll period (a local
      // status read, no traffic), so the drain resumes as soon as it is back.
      const bool failing = !status_.last_error.empty();
      const bool reconnecting = link && !link->connected();
      const auto delay = failing && !reconnecting ? backoff : config_.poll;
      if (!again) wake_cv_.wait_for(lock, delay, [this, failing] { return stopping_ || (woken_ && !failing); });
      if (stopping_) return;
      woken_ = false;
    }
    const bool failing_before = !status().last_error.empty();
    again = drain_once(link);
    measure_depth();  // also during an outage: /health shows the outbox fill
    // Waiting for the client's own reconnect costs nothing and says nothing
    // about the server once it is back: the backoff starts afresh then.
    if (status().last_error.empty() || (link && !link->connected())) {
      backoff = config_.backoff_min;
    } else if (failing_before) {
      backoff = std::min(backoff * 2, config_.backoff_max);
    }
  }
}

void publisher::measure_depth() {
  auto depth = await<std::size_t>(config_.store_timeout, [&](auto cb) { outbox_.depth(std::move(cb)); });
  if (!depth) return;
  depth_gauge_->set(static_cast<double>(*depth));
  const std::lock_guard lock(mutex_);
  status_.outbox_depth = *depth;
  status_.outbox_full = *depth >= config_.outbox_max;
}

bool publisher::drain_once(std::unique_ptr<detail::nats_link>& link) {
  if (!link) {
    auto connected = detail::nats_link::connect(config_.nats_url, config_.nats_timeout);
    if (!connected) {
      fail(connected.error().message);
      return false;
    }
    auto stream = (*connected)->ensure_stream(detail::stream_settings{.name = std::string(stream_name)});
    if (!stream) {
      fail(stream.error().message);
      return false;
    }
    link = std::move(*connected);
    log().info("connected", {{"nats", config_.nats_url}, {"stream", std::string(stream_name)}});
  }
  if (!link->connected()) {
    // The client reconnects by itself; until then nothing is attempted.
    fail("nats: disconnected from " + config_.nats_url + ", reconnecting");
    return false;
  }
  auto batch = await<std::vector<store::outbox_entry>>(config_.store_timeout, [&](auto cb) { outbox_.peek(config_.batch, std::move(cb)); });
  if (!batch) {
    fail("outbox read failed: " + batch.error().message);
    return false;
  }
  std::vector<std::string> acked;
  std::string failure;
  for (const auto& entry : *batch) {
    auto published = link->publish(entry.subject, entry.payload_json, entry.id);
    if (!published) {
      failure = published.error().message;
      break;
    }
    acked.push_back(entry.id);
  }
  if (!acked.empty()) {
    const std::size_t n = acked.size();
    auto removed = await<void>(config_.store_timeout, [&](auto cb) { outbox_.remove(std::move(acked), std::move(cb)); });
    published_counter_->inc(n);
    const std::lock_guard lock(mutex_);
    status_.published += n;
    // Not removed: they are published again later (duplicates, same id).
    if (!removed && failure.empty()) failure = "outbox remove failed: " + removed.error().message;
  }
  if (!failure.empty()) {
    fail(failure);
    return false;
  }
  connected_gauge_->set(1);
  {
    const std::lock_guard lock(mutex_);
    if (!status_.connected || !status_.last_error.empty()) log().info("publishing", {{"nats", config_.nats_url}});
    status_.connected = true;
    status_.last_error.clear();
  }
  return batch->size() == config_.batch;
}

}  // namespace metronome::events
