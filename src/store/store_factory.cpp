#include <charconv>

#include "metronome/store/backends.hpp"

namespace metronome::store {
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

result<std::unique_ptr<session_store>> make_session_store(std::string_view url, const store_options& options) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  constexpr std::string_view redis_prefix = "redis://";
  constexpr std::string_view cluster_prefix = "redis-cluster://";
  if (url.starts_with(sqlite_prefix)) {
    const std::string path(url.substr(sqlite_prefix.size()));
    if (path.empty()) return make_error(errc::invalid_argument, "sqlite: needs a file path, e.g. sqlite:metronome.db");
    return make_sqlite_store(path, options);
  }
  if (url.starts_with(redis_prefix)) {
    std::string_view rest = url.substr(redis_prefix.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    auto hp = parse_host_port(rest);
    if (!hp) return hp.error();
    return make_redis_store(*hp, options);
  }
  if (url.starts_with(cluster_prefix)) {
    std::vector<host_port> seeds;
    std::string_view rest = url.substr(cluster_prefix.size());
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      auto hp = parse_host_port(rest.substr(0, comma));
      if (!hp) return hp.error();
      seeds.push_back(*hp);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (seeds.empty()) return make_error(errc::invalid_argument, "redis-cluster:// needs at least one HOST:PORT");
    return make_redis_cluster_store(std::move(seeds), options);
  }
  return make_error(errc::invalid_argument,
                    "unknown store '" + std::string(url) + "': expected sqlite:PATH, redis://HOST:PORT or redis-cluster://HOST:PORT,...");
}

}  // namespace metronome::store
