// Writing JSON strings by hand (logs, error bodies, views written directly):
// escapes, and keeps the text valid UTF-8 whatever bytes come in.
#pragma once

#include <string>
#include <string_view>

namespace metronome {

/// Appends `text` as the inside of a JSON string (quotes not added). Control
/// characters are escaped; malformed UTF-8 becomes U+FFFD.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace metronome
