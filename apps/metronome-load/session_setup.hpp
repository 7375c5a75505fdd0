// --create-sessions: POST /v1/sessions on a region, over plain HTTP/1.1
// (one short connection per request; a few hundred requests at most).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "url.hpp"

namespace metronome::load {

struct created_sessions {
  std::vector<std::string> ids;
  std::string error;  ///< empty on success
};

/// One request on its own connection (send "Connection: close"): the whole
/// response, at most max_bytes of it; every send and receive bounded by 5 s.
/// On failure `error` says why.
std::string http_exchange(const endpoint_url& u, const std::string& request, std::string& error, std::size_t max_bytes = 1U << 20);

/// Creates `count` server-mode sessions with tick length tick_ms (ms).
created_sessions create_sessions(const endpoint_url& region, int count, int tick_ms);

}  // namespace metronome::load
