// This process's own CPU and memory, for the reports of both modes.
#pragma once

#include <cstdint>

namespace metronome::load {

/// User + system CPU seconds so far (getrusage).
double cpu_seconds();
/// VmRSS in KiB (/proc/self/status); 0 when unknown.
std::int64_t rss_kib();

}  // namespace metronome::load
