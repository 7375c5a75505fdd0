#include <charconv>

#include "metronome/store/backends.hpp"

namespace metronome::store {

// By value: the signature every backend overrides.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void session_store::list_recent(recent_filter, callback<page> done) {
  if (done) done(make_error(errc::unavailable, std::string(kind()) + " store keeps no index of recent sessions"));
}

namespace {

result<host_port> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error(errc::invalid_argument, "expected HOST:PORT, got '" + std::string(text) + "'");
  }
  unsigned port = 0;
  const std::string_view port_text = text.substr(colon + 1);
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return make_error(errc::invalid_argument, "bad port in '" + std::string(text) + "'");
  }
  return host_port{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

}  // namespace

result<std::vector<host_port>> parse_store_url_hosts(std::string_view url) {
  constexpr std::string_view redis_prefix = "redis://";
  constexpr std::string_view cluster_prefix = "redis-cluster://";
  const bool cluster = url.starts_with(cluster_prefix);
  if (!cluster && !url.starts_with(redis_prefix)) {
    return make_error(errc::invalid_argument,
                      "unknown store '" + std::string(url) + "': expected sqlite:PATH, redis://HOST:PORT or redis-cluster://HOST:PORT,...");
  }
  std::string_view rest = url.substr(cluster ? cluster_prefix.size() : redis_prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::vector<host_port> hosts;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto hp = parse_host_port(rest.substr(0, comma));
    if (!hp) return hp.error();
    hosts.push_back(*hp);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  if (hosts.empty()) return make_error(errc::invalid_argument, "the store URL names no HOST:PORT");
  if (!cluster && hosts.size() != 1)
    return make_error(errc::invalid_argument, "redis:// takes one HOST:PORT; use redis-cluster:// for several");
  return hosts;
}

result<std::unique_ptr<session_store>> make_session_store(std::string_view url, const store_options& options) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix)) {
    const std::string path(url.substr(sqlite_prefix.size()));
    if (path.empty()) return make_error(errc::invalid_argument, "sqlite: needs a file path, e.g. sqlite:metronome.db");
    return make_sqlite_store(path, options);
  }
  auto hosts = parse_store_url_hosts(url);
  if (!hosts) return hosts.error();
  if (url.starts_with("redis-cluster://")) return make_redis_cluster_store(std::move(*hosts), options);
  return make_redis_store(hosts->front(), options);
}

}  // namespace metronome::store
