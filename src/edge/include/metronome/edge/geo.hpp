// Where a player is: the client's address (X-Forwarded-For believed only from
// configured proxies), its country (the cf-ipcountry header, else Debian's
// offline GeoIP database), and the region that serves that country.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/core/result.hpp"

namespace metronome::edge {

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

/// Country code -> region. Starts from a built-in map (Europe -> eu, the
/// Americas -> us, Asia and Oceania -> asia), overridden by "CC=region,...".
class country_map {
 public:
  static result<country_map> with_overrides(std::string_view overrides);
  std::optional<std::string> region_for(std::string_view country_code) const;

 private:
  std::map<std::string, std::string, std::less<>> map_;
};

/// Debian's GeoIP country database (geoip-database), looked up offline.
class geoip_lookup {
 public:
  /// Opens the IPv4 and (if present) IPv6 databases; a missing file leaves
  /// lookups returning nullopt (and is reported by available()).
  explicit geoip_lookup(const std::string& v4_path, const std::string& v6_path = "");
  ~geoip_lookup();
  geoip_lookup(const geoip_lookup&) = delete;
  geoip_lookup& operator=(const geoip_lookup&) = delete;

  bool available() const noexcept { return v4_ != nullptr; }
  std::optional<std::string> country_of(std::string_view address) const;

 private:
  void* v4_ = nullptr;  ///< GeoIP* (kept opaque: libGeoIP's header stays in geo.cpp)
  void* v6_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace metronome::edge
