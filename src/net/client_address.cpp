#include "metronome/net/client_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace metronome::net {
std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

bool valid_ipv6(std::string_view text) {
  const std::string s(text);
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

result<address_set> address_set::parse(std::string_view list) {
  address_set set;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim_blanks(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    const auto slash = item.find('/');
    if (slash != std::string_view::npos) {
      const auto base = parse_ipv4(item.substr(0, slash));
      unsigned bits = 0;
      const std::string_view b = item.substr(slash + 1);
      const auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
      if (!base || ec != std::errc{} || p != b.data() + b.size() || bits > 32) {
        return make_error(errc::invalid_argument, "bad IPv4 network '" + std::string(item) + "'");
      }
      const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
      set.v4_.push_back(v4_net{*base & mask, mask});
    } else if (parse_ipv4(item) || valid_ipv6(item)) {
      set.exact_.emplace_back(item);
    } else {
      return make_error(errc::invalid_argument, "bad address '" + std::string(item) + "'");
    }
  }
  return set;
}

bool address_set::contains(std::string_view address) const {
  for (const auto& e : exact_) {
    if (e == address) return true;
  }
  if (const auto a = parse_ipv4(address)) {
    for (const auto& n : v4_) {
      if ((*a & n.mask) == n.base) return true;
    }
  }
  return false;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for, const address_set& trusted) {
  if (forwarded_for.empty() || !trusted.contains(peer)) return std::string(peer);
  // Right to left: each trusted hop vouches for the address before it.
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop = trim_blanks(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (!hop.empty() && !trusted.contains(hop)) return std::string(hop);
  }
  return std::string(peer);
}

}  // namespace metronome::net
