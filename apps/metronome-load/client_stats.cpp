#include "client_stats.hpp"

namespace metronome::load {

void client_stats::merge(const client_stats& o) {
  lag.merge(o.lag);
  system_lag.merge(o.system_lag);
  read_delay.merge(o.read_delay);
  client_rtt.merge(o.client_rtt);
  server_rtt.merge(o.server_rtt);
  messages += o.messages;
  frames += o.frames;
  unsynced_ticks += o.unsynced_ticks;
  kicked += o.kicked;
  warnings += o.warnings;
  error_messages += o.error_messages;
  stopped += o.stopped;
  pongs_sent += o.pongs_sent;
  for (const auto& [k, v] : o.kick_reasons) kick_reasons[k] += v;
  for (const auto& [k, v] : o.close_codes) close_codes[k] += v;
  for (const auto& [k, v] : o.failures) failures[k] += v;
  offset_estimates_us.insert(offset_estimates_us.end(), o.offset_estimates_us.begin(), o.offset_estimates_us.end());
}

}  // namespace metronome::load
