// The one place that maps errors to HTTP: status codes and the JSON body
// {"error":{"code":"not_found","message":"..."}}.
#pragma once

#include "metronome/core/error.hpp"
#include "metronome/core/json_text.hpp"
#include "metronome/net/http.hpp"

namespace metronome::net {

unsigned http_status_for(errc code) noexcept;

/// A complete error response for `e`, with the JSON error body.
response error_response(const error& e);

using metronome::append_json_escaped;  // core/json_text.hpp

}  // namespace metronome::net
