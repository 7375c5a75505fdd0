// The client's address as the HTTP APIs see it (the edge for its geography
// and both servers for rate limits): the peer, or, behind configured proxies
// (TRUSTED_PROXIES), the address X-Forwarded-For vouches for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"

namespace metronome::net {

/// `s` without spaces and tabs at either end (for comma-separated settings).
std::string_view trim_blanks(std::string_view s) noexcept;

/// A dotted IPv4 address as a host-order number; nullopt when it is not one.
std::optional<std::uint32_t> parse_ipv4(std::string_view text);
/// Whether `text` is an IPv6 address.
bool valid_ipv6(std::string_view text);

/// A set of addresses: IPv4 CIDRs ("10.0.0.0/8"), exact IPv4 or IPv6 addresses.
class address_set {
 public:
  /// Comma-separated list; errc::invalid_argument for a malformed entry.
  static result<address_set> parse(std::string_view list);
  bool contains(std::string_view address) const;
  bool empty() const noexcept { return v4_.empty() && exact_.empty(); }

 private:
  struct v4_net {
    std::uint32_t base, mask;
  };
  std::vector<v4_net> v4_;
  std::vector<std::string> exact_;
};

/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// right-most address in X-Forwarded-For that is not itself trusted.
std::string client_address(std::string_view peer, std::string_view forwarded_for, const address_set& trusted);

}  // namespace metronome::net
