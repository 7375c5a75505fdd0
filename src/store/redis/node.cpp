#include "redis/node.hpp"

#include <algorithm>

namespace metronome::store::detail::redis {

node::node(std::string host, std::uint16_t port, const node_settings& settings, completion_sink& sink)
    : host_(std::move(host)),
      port_(port),
      name_(host_ + ":" + std::to_string(port)),
      max_in_flight_(std::max<std::size_t>(settings.max_in_flight, 1)) {
  const std::size_t n = std::max<std::size_t>(settings.connections, 1);
  connections_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) connections_.push_back(std::make_unique<connection>(host_, port_, settings.connection, sink));
}

void node::enqueue(request_ptr r, steady::time_point now) {
  std::size_t load = 0;
  for (const auto& c : connections_) load += c->load();
  if (load >= max_in_flight_) {
    // Straight to the caller, not through the sink: a full queue is
    // back-pressure to report at once, not a failure for the router to retry.
    finish_with(std::move(r), errc::unavailable, "redis " + name_ + ": " + std::to_string(load) + " requests already queued");
    return;
  }
  connection& c = *connections_[next_];
  next_ = (next_ + 1) % connections_.size();
  c.enqueue(std::move(r), now);
}

void node::tick(steady::time_point now) {
  for (auto& c : connections_) c->tick(now);
}

bool node::busy() const noexcept {
  return std::any_of(connections_.begin(), connections_.end(), [](const auto& c) { return c->busy(); });
}

void node::collect(std::vector<connection*>& out) {
  for (auto& c : connections_) out.push_back(c.get());
}

void node::fail_all(errc code, const std::string& why) {
  for (auto& c : connections_) c->fail_all(code, why);
}

}  // namespace metronome::store::detail::redis
