// make_redis_store / make_redis_cluster_store (declared in backends.hpp).
#include "metronome/store/backends.hpp"
#include "redis/cluster_router.hpp"
#include "redis/redis_store.hpp"
#include "redis/single_router.hpp"

namespace metronome::store {
namespace {

detail::redis::node_settings settings_from(const store_options& o) {
  detail::redis::node_settings s;
  s.connection.connect_timeout = o.connect_timeout;
  // A connection that answers nothing for a whole operation timeout is dead.
  s.connection.stall_timeout = o.timeout;
  s.connections = o.connections;
  s.max_in_flight = o.max_in_flight;
  return s;
}

}  // namespace

std::unique_ptr<session_store> make_redis_store(host_port server, const store_options& options) {
  auto r = std::make_unique<detail::redis::single_router>(std::move(server.host), server.port, settings_from(options));
  return std::make_unique<detail::redis::redis_store>(std::move(r), options, false);
}

std::unique_ptr<session_store> make_redis_cluster_store(std::vector<host_port> seeds, const store_options& options) {
  auto r = std::make_unique<detail::redis::cluster_router>(std::move(seeds), settings_from(options));
  return std::make_unique<detail::redis::redis_store>(std::move(r), options, true);
}

}  // namespace metronome::store
