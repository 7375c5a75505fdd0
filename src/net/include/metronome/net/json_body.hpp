// A request body as a JSON object, decoded strictly: depth-limited, every
// number finite. Shared by every JSON route (region and edge).
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "metronome/core/result.hpp"

namespace metronome::net {

/// The body as a JSON object; an empty (or blank) body is {} when
/// `allow_empty`. errc::invalid_argument with a sentence otherwise.
result<boost::json::object> parse_object_body(std::string_view body, bool allow_empty);

}  // namespace metronome::net
