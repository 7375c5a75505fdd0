// The JSON report of a run and its one-paragraph human summary.
#pragma once

#include <string>

#include "load_config.hpp"
#include "load_run.hpp"

namespace metronome::load {

std::string report_json(const load_config& cfg, const load_result& r);
std::string report_summary(const load_result& r);

}  // namespace metronome::load
