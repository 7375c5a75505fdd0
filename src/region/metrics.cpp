#include "metronome/region/metrics.hpp"

namespace metronome::region {

region_metrics::region_metrics()
    : http(registry),
      store_duration(registry.add_histogram("metronome_store_operation_duration_seconds", "Session store operation latency, by operation.",
                                            obs::registry::latency_buckets())),
      store_errors(
          registry.add_counter("metronome_store_errors_total", "Session store operations that failed, by operation and error code.")),
      sessions_created(registry.add_counter("metronome_sessions_created_total", "Sessions created, by mode.")),
      sessions_ended(registry.add_counter("metronome_sessions_ended_total", "Sessions stopped or exited, by final status.")),
      store_up(registry.add_gauge("metronome_store_up", "1 when the session store answered the last health ping, else 0.")),
      http_connections(registry.add_gauge("metronome_http_connections", "Open HTTP connections.")),
      store_duration_by_op{store_duration.bind({{"op", store_op_names[0]}}), store_duration.bind({{"op", store_op_names[1]}}),
                           store_duration.bind({{"op", store_op_names[2]}}), store_duration.bind({{"op", store_op_names[3]}}),
                           store_duration.bind({{"op", store_op_names[4]}})},
      created_client(sessions_created.bind({{"mode", "client"}})),
      created_server(sessions_created.bind({{"mode", "server"}})),
      ended_stopped(sessions_ended.bind({{"status", "stopped"}})),
      ended_exited(sessions_ended.bind({{"status", "exited"}})),
      store_up_now(store_up.bind({})),
      http_connections_now(http_connections.bind({})) {}

}  // namespace metronome::region
