// Redis Cluster routing on plain hiredis (0.14 has no cluster support).
//
// - Slot map: CLUSTER SLOTS from a known master or a seed, asked again
//   (at most every 100 ms) after -MOVED, a transient refusal, or a failure
//   to reach a master. Requests for a slot with no known owner wait, until
//   their deadline, for the next map.
// - -MOVED: the slot is re-pointed at once and the request resent there.
//   -ASK: resent once to the named node, preceded by ASKING on the same
//   connection. TRYAGAIN/CLUSTERDOWN/LOADING/READONLY/MASTERDOWN: resent
//   after a short backoff (25 ms doubling to 200 ms). All within the
//   request's deadline and at most max_attempts sends.
// - A failure after the request may have reached the server (connection
//   lost mid-flight, reply too late) is resent only for idempotent requests:
//   a write of unknown outcome goes back to the operation as it is.
// - on_complete never touches a connection (see completion_sink): redirected
//   requests wait in ready_ for tick(), which the loop calls in the same
//   iteration, so a redirection costs no extra wake-up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metronome/store/backends.hpp"
#include "redis/node.hpp"
#include "redis/router.hpp"

namespace metronome::store::detail::redis {

class cluster_router final : public router {
 public:
  cluster_router(std::vector<host_port> seeds, const node_settings& settings);

  void dispatch(request_ptr r, steady::time_point now) override;
  void on_complete(request_ptr r, completion&& c) override;
  void tick(steady::time_point now) override;
  bool busy() const override;
  void collect(std::vector<connection*>& out) override;
  void shutdown(const std::string& why) override;

 private:
  struct delayed {
    steady::time_point at;
    request_ptr r;
  };

  node& node_for(const std::string& host, std::uint16_t port);
  void route(request_ptr r, steady::time_point now);
  void retry_later(request_ptr r, completion&& c, steady::time_point now);
  void want_refresh() noexcept { refresh_wanted_ = true; }
  void start_refresh(steady::time_point now);
  void on_slots(const std::string& asked_host, completion&& c);

  std::vector<host_port> seeds_;
  node_settings settings_;
  std::map<std::string, std::unique_ptr<node>> nodes_;  // never erased: pointers stay valid
  std::vector<node*> slots_;                            // slot -> master, nullptr when unknown
  std::vector<node*> masters_;                          // distinct masters of slots_
  std::size_t next_master_ = 0;

  std::vector<request_ptr> parked_;  // no owner known for their slot yet
  std::vector<request_ptr> ready_;   // to route on the next tick
  std::vector<delayed> delayed_;     // to route after a backoff

  bool refreshing_ = false;
  bool refresh_wanted_ = false;
  steady::time_point last_refresh_{};
  std::size_t refresh_cursor_ = 0;    // rotates through masters and seeds
  std::size_t refresh_failures_ = 0;  // consecutive; a full round of them fails what is parked
  std::size_t refresh_candidates_ = 0;
  bool stopping_ = false;
};

}  // namespace metronome::store::detail::redis
