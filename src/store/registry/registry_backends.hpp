#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metronome/store/registry_store.hpp"

namespace metronome::store::detail {

result<std::unique_ptr<registry_store>> make_sqlite_registry(const std::string& path, const store_options& options);
/// A single seed for standalone Redis; several for a cluster (MOVED is followed).
std::unique_ptr<registry_store> make_redis_registry(std::vector<host_port> seeds, const store_options& options);

}  // namespace metronome::store::detail
