// ws://HOST:PORT/PATH and http://HOST:PORT/PATH, HOST a numeric IPv4 address
// (the load generator talks to loopback only and never resolves names).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace metronome::load {

struct endpoint_url {
  std::string scheme;  ///< "ws" or "http"
  std::string host;    ///< numeric IPv4
  std::uint16_t port = 0;
  std::string path;  ///< starts with '/'
};

std::optional<endpoint_url> parse_url(std::string_view url);

}  // namespace metronome::load
