#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metronome/store/registry_store.hpp"

namespace metronome::store::detail {

result<std::unique_ptr<registry_store>> make_sqlite_registry(const std::string& path, const store_options& options);
/// One seed for standalone Redis; one or more for a cluster (`cluster`:
/// redirections are followed by the store's cluster router).
std::unique_ptr<registry_store> make_redis_registry(std::vector<host_port> seeds, bool cluster, const store_options& options);

}  // namespace metronome::store::detail
