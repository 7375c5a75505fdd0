#include "metronome/store/registry_store.hpp"
#include "registry/registry_backends.hpp"

namespace metronome::store {

bool valid_region_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 32 && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
}

result<std::unique_ptr<registry_store>> make_registry_store(std::string_view url, const store_options& options) {
  // Parse the URL the same way as the session store (one syntax for both).
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix)) {
    const std::string path(url.substr(sqlite_prefix.size()));
    if (path.empty()) return make_error(errc::invalid_argument, "sqlite: needs a file path");
    return detail::make_sqlite_registry(path, options);
  }
  auto seeds = parse_store_url_hosts(url);
  if (!seeds) return seeds.error();
  return detail::make_redis_registry(std::move(*seeds), url.starts_with("redis-cluster://"), options);
}

}  // namespace metronome::store
