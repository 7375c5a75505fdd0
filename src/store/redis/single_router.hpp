// Standalone Redis: one node, no redirections. Answers go straight to the
// request's callback; retrying is the operation's business.
#pragma once

#include "redis/node.hpp"
#include "redis/router.hpp"

namespace metronome::store::detail::redis {

class single_router final : public router {
 public:
  single_router(std::string host, std::uint16_t port, const node_settings& settings) : node_(std::move(host), port, settings, *this) {}

  void dispatch(request_ptr r, steady::time_point now) override { node_.enqueue(std::move(r), now); }
  void on_complete(request_ptr r, completion&& c) override { finish(std::move(r), std::move(c)); }
  void tick(steady::time_point now) override { node_.tick(now); }
  bool busy() const override { return node_.busy(); }
  void collect(std::vector<connection*>& out) override { node_.collect(out); }
  void shutdown(const std::string& why) override { node_.fail_all(errc::unavailable, why); }

 private:
  node node_;
};

}  // namespace metronome::store::detail::redis
