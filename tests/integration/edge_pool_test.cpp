// The edge's keep-alive pool to a region under concurrency: the connections
// it opens stay open for the next requests instead of being closed and
// reopened with every burst (each close leaves a TIME_WAIT socket on the
// edge; enough of them exhaust the ephemeral ports to a region).
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "edge_fixture.hpp"

namespace metronome::test {
namespace {

/// TCP sockets in TIME_WAIT whose remote port is `port` (the side that
/// closed a connection to that port keeps one for a minute).
int time_wait_to(std::uint16_t port) {
  int n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(read_file(table));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, state;
      f >> sl >> local >> remote >> state;
      const auto colon = remote.rfind(':');
      if (state == "06" && colon != std::string::npos && std::stoul(remote.substr(colon + 1), nullptr, 16) == port) ++n;
    }
  }
  return n;
}

TEST(edge_pool, keeps_its_region_connections_across_bursts_of_concurrent_requests) {
  edge_cluster c({"eu"});
  const std::uint16_t region_port = c.region("eu").port();
  const int before = time_wait_to(region_port);

  // 64 clients at once (more than the client's default idle pool of 32),
  // in several bursts.
  constexpr int clients = 64, rounds = 12;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      http_connection conn(c.edge().port(), 30s);
      for (int i = 0; i < rounds; ++i) {
        const auto r = conn.request("POST", "/edge/game/start", start_body("pool-" + std::to_string(t)));
        ok += r.status == 201 || r.status == 200;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok, clients * rounds);

  // Not one connection to the region was closed by the edge.
  EXPECT_EQ(time_wait_to(region_port) - before, 0);
}

}  // namespace
}  // namespace metronome::test
