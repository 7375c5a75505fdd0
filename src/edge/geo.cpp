#include "metronome/edge/geo.hpp"

#include <GeoIP.h>
#include <arpa/inet.h>

#include <charconv>

namespace metronome::edge {

result<country_map> country_map::with_overrides(std::string_view overrides) {
  country_map m;
  static const char* const europe[] = {"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",
                                       "HR", "HU", "IE", "IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO",
                                       "RS", "SE", "SI", "SK", "UA", "TR", "IL", "AE", "SA", "EG", "ZA", "NG", "KE", "MA"};
  static const char* const americas[] = {"US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "VE", "UY", "CR", "PA", "CU", "DO", "PR"};
  static const char* const asia[] = {"JP", "CN", "KR", "TW", "HK", "SG", "IN", "ID", "TH", "VN", "MY", "PH", "AU", "NZ", "PK", "BD"};
  for (const char* c : europe) m.map_[c] = "eu";
  for (const char* c : americas) m.map_[c] = "us";
  for (const char* c : asia) m.map_[c] = "asia";
  while (!overrides.empty()) {
    const auto comma = overrides.find(',');
    const std::string_view item = net::trim_blanks(overrides.substr(0, comma));
    overrides = comma == std::string_view::npos ? std::string_view{} : overrides.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq != 2 || item.size() < 4) return make_error(errc::invalid_argument, "expected CC=region, got '" + std::string(item) + "'");
    std::string cc(item.substr(0, 2));
    for (char& c : cc) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    m.map_[cc] = std::string(item.substr(3));
  }
  return m;
}

std::optional<std::string> country_map::region_for(std::string_view country_code) const {
  std::string cc(country_code);
  for (char& c : cc) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  const auto it = map_.find(cc);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

geoip_lookup::geoip_lookup(const std::string& v4_path, const std::string& v6_path) {
  if (!v4_path.empty()) v4_ = GeoIP_open(v4_path.c_str(), GEOIP_MEMORY_CACHE | GEOIP_SILENCE);
  if (!v6_path.empty()) v6_ = GeoIP_open(v6_path.c_str(), GEOIP_MEMORY_CACHE | GEOIP_SILENCE);
}

geoip_lookup::~geoip_lookup() {
  if (v4_ != nullptr) GeoIP_delete(static_cast<GeoIP*>(v4_));
  if (v6_ != nullptr) GeoIP_delete(static_cast<GeoIP*>(v6_));
}

std::optional<std::string> geoip_lookup::country_of(std::string_view address) const {
  const std::string a(address);
  std::lock_guard lock(mutex_);
  const char* code = nullptr;
  if (net::parse_ipv4(address)) {
    if (v4_ != nullptr) code = GeoIP_country_code_by_addr(static_cast<GeoIP*>(v4_), a.c_str());
  } else if (net::valid_ipv6(address) && v6_ != nullptr) {
    code = GeoIP_country_code_by_addr_v6(static_cast<GeoIP*>(v6_), a.c_str());
  }
  if (code == nullptr) return std::nullopt;
  return std::string(code);
}

}  // namespace metronome::edge
