// Routers decide which node gets a request and what to do with its answer:
// single_router (standalone: one node, answers pass through) and
// cluster_router (slot map, -MOVED/-ASK, retries). Both run only on the I/O
// thread; io_loop drives them.
#pragma once

#include <string>
#include <vector>

#include "redis/connection.hpp"

namespace metronome::store::detail::redis {

class router : public completion_sink {
 public:
  virtual ~router() = default;

  /// Routes a new request. May complete it at once (queue full, no route).
  virtual void dispatch(request_ptr r, steady::time_point now) = 0;
  /// Periodic work: connection deadlines, reconnects, delayed retries.
  virtual void tick(steady::time_point now) = 0;
  /// True while something needs tick() soon.
  virtual bool busy() const = 0;
  /// Every connection, for poll(). Connections live as long as the router.
  virtual void collect(std::vector<connection*>& out) = 0;
  /// Completes everything pending with errc::unavailable; later completions
  /// finish at once instead of retrying.
  virtual void shutdown(const std::string& why) = 0;
};

}  // namespace metronome::store::detail::redis
