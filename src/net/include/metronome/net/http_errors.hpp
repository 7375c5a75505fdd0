// The one place that maps errors to HTTP: status codes and the JSON body
// {"error":{"code":"not_found","message":"..."}}.
#pragma once

#include "metronome/core/error.hpp"
#include "metronome/net/http.hpp"

namespace metronome::net {

unsigned http_status_for(errc code) noexcept;

/// A complete error response for `e`, with the JSON error body.
response error_response(const error& e);

/// Appends `text` to `out` as the inside of a JSON string (quotes not added).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace metronome::net
