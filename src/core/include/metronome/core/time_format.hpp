// Timestamps as people and seed 002 read them.
#pragma once

#include <cstdint>
#include <string>

namespace metronome {

/// "2024-01-15T10:30:03.250Z" for ms since the Unix epoch (UTC).
std::string rfc3339_ms(std::int64_t ms);

}  // namespace metronome
