// --create-sessions: POST /v1/sessions on a region, over plain HTTP/1.1
// (one short connection per request; a few hundred requests at most).
#pragma once

#include <string>
#include <vector>

#include "url.hpp"

namespace metronome::load {

struct created_sessions {
  std::vector<std::string> ids;
  std::string error;  ///< empty on success
};

/// Creates `count` server-mode sessions with tick length tick_ms (ms).
created_sessions create_sessions(const endpoint_url& region, int count, int tick_ms);

}  // namespace metronome::load
