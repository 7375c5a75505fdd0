// Pieces of the JSON reports both modes write (report.cpp, world_report.cpp).
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "lag_histogram.hpp"

namespace metronome::load {

inline double ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

/// A JSON string's contents: quotes and backslashes escaped, control characters dropped.
inline std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

/// {"key":value,...} of a map whose values are numbers.
template <class Map>
std::string object_of(const Map& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ",";
    out += fmt::format("\"{}\":{}", escaped(fmt::format("{}", k)), v);
  }
  return out + "}";
}

/// {"samples":..,"p50":..,"p99":..,"p999":..,"max":..,"min":..,"mean":..} in ms.
inline std::string percentiles_json(const lag_histogram& h) {
  return fmt::format("{{\"samples\":{},\"p50\":{:.3f},\"p99\":{:.3f},\"p999\":{:.3f},\"max\":{:.3f},\"min\":{:.3f},\"mean\":{:.3f}}}",
                     h.count(), ms(h.percentile_us(0.5)), ms(h.percentile_us(0.99)), ms(h.percentile_us(0.999)), ms(h.max_us()),
                     ms(h.min_us()), h.mean_us() / 1000.0);
}

}  // namespace metronome::load
