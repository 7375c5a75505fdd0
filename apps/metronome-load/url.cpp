#include "url.hpp"

#include <charconv>

namespace metronome::load {

std::optional<endpoint_url> parse_url(std::string_view url) {
  endpoint_url u;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  u.scheme = std::string(url.substr(0, sep));
  if (u.scheme != "ws" && u.scheme != "http") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const std::size_t slash = rest.find('/');
  u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const std::string_view authority = rest.substr(0, slash);
  const std::size_t colon = authority.rfind(':');
  u.host = std::string(authority.substr(0, colon));
  if (colon == std::string_view::npos) {
    u.port = 80;
  } else {
    unsigned port = 0;
    const auto digits = authority.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(port);
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

}  // namespace metronome::load
