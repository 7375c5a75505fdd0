#include "metronome/edge/geo.hpp"

#include <GeoIP.h>
#include <arpa/inet.h>

#include <charconv>

namespace metronome::edge {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint32_t> parse_v4(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

bool valid_v6(std::string_view text) {
  const std::string s(text);
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

}  // namespace

result<address_set> address_set::parse(std::string_view list) {
  address_set set;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    const auto slash = item.find('/');
    if (slash != std::string_view::npos) {
      const auto base = parse_v4(item.substr(0, slash));
      unsigned bits = 0;
      const std::string_view b = item.substr(slash + 1);
      const auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
      if (!base || ec != std::errc{} || p != b.data() + b.size() || bits > 32) {
        return make_error(errc::invalid_argument, "bad IPv4 network '" + std::string(item) + "'");
      }
      const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
      set.v4_.push_back(v4_net{*base & mask, mask});
    } else if (parse_v4(item) || valid_v6(item)) {
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
  if (const auto a = parse_v4(address)) {
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
    const std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (!hop.empty() && !trusted.contains(hop)) return std::string(hop);
  }
  return std::string(peer);
}

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
    const std::string_view item = trim(overrides.substr(0, comma));
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
  if (parse_v4(address)) {
    if (v4_ != nullptr) code = GeoIP_country_code_by_addr(static_cast<GeoIP*>(v4_), a.c_str());
  } else if (valid_v6(address) && v6_ != nullptr) {
    code = GeoIP_country_code_by_addr_v6(static_cast<GeoIP*>(v6_), a.c_str());
  }
  if (code == nullptr) return std::nullopt;
  return std::string(code);
}

}  // namespace metronome::edge
