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
  return detail::redis::make_redis_client({std::move(server)}, false, options);
}

std::unique_ptr<session_store> make_redis_cluster_store(std::vector<host_port> seeds, const store_options& options) {
  return detail::redis::make_redis_client(std::move(seeds), true, options);
}

namespace detail::redis {

std::unique_ptr<redis_store> make_redis_client(std::vector<host_port> seeds, bool cluster, const store_options& options) {
  if (cluster)
    return std::make_unique<redis_store>(std::make_unique<cluster_router>(std::move(seeds), settings_from(options)), options, true);
  host_port& server = seeds.front();
  return std::make_unique<redis_store>(std::make_unique<single_router>(std::move(server.host), server.port, settings_from(options)),
                                       options, false);
}

}  // namespace detail::redis

}  // namespace metronome::store
