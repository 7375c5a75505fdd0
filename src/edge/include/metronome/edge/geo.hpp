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
#include "metronome/net/client_address.hpp"

namespace metronome::edge {

// The trusted-proxy rules moved to net (the region limits by client address too).
using net::address_set;
using net::client_address;

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
